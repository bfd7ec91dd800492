/**
 * SIGHUP reloads event handlers from the configuration, as Serf's agent does: after the config
 * file's handler changes and the agent gets SIGHUP, a new event runs the new handler only.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep, waitFor } from "../../support/serf-agent.js";
import { startShoalAgent, type ShoalAgent } from "../../support/shoal-agent.js";

async function text(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return "";
  }
}

/** A config file whose only handler appends the user event's name to `out`. */
function handlerConfig(out: string): string {
  return JSON.stringify({ event_handlers: [`user=echo "$SERF_USER_EVENT" >> '${out}'`] });
}

describe("SIGHUP and event handlers", () => {
  let dir = "";
  let agent: ShoalAgent | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "shoal-sighup-"));
  });

  afterAll(async () => {
    await agent?.kill();
    await rm(dir, { recursive: true, force: true });
  });

  it("runs the reloaded handler, not the old one, for events after the reload", async () => {
    const config = join(dir, "agent.json");
    const fileA = join(dir, "a.out");
    const fileB = join(dir, "b.out");
    await writeFile(config, handlerConfig(fileA));
    agent = await startShoalAgent({ name: "hup", profile: "local", extraArgs: ["--config-file", config] });

    expect((await agent.send("PUT", "/v1/event/fire/before")).status).toBe(200);
    await waitFor("the first handler ran", async () =>
      (await text(fileA)) === "before\n" ? true : undefined,
    );

    await writeFile(config, handlerConfig(fileB));
    process.kill(agent.pid, "SIGHUP");
    await waitFor("the reload", () => (agent!.logs().includes("SIGHUP: reloaded") ? true : undefined));

    expect((await agent.send("PUT", "/v1/event/fire/after")).status).toBe(200);
    await waitFor("the new handler ran", async () => ((await text(fileB)) === "after\n" ? true : undefined));
    // Handlers run one event at a time, so the old one would have written by now; wait a bit more anyway.
    await sleep(300);
    expect(await text(fileA)).toBe("before\n");
  });
});
