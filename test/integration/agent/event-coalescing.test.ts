/**
 * Event coalescing as Serf's agent does it, on real agent processes: several coalescible user
 * events of one name fired in a burst reach the event handlers and the event stream once, as
 * the newest; plain (`coalesce=false`) events all arrive; `/v1/event/list` and the agent's
 * own log lines still show every event as it arrives.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep, waitFor } from "../../support/serf-agent.js";
import type { ShoalAgent } from "../../support/shoal-agent.js";
import { startShoalCluster } from "../../support/shoal-cluster.js";

/** One line of `/v1/event/stream`. */
interface StreamLine {
  readonly Type: string;
  readonly Event?: { readonly Name: string; readonly Payload: string | null };
}

/** Collects `/v1/event/stream?type=user` lines of one agent until closed. */
function watchUserStream(agent: ShoalAgent): { lines: StreamLine[]; close: () => void } {
  const controller = new AbortController();
  const lines: StreamLine[] = [];
  void (async () => {
    try {
      const response = await fetch(`http://${agent.httpAddr}/v1/event/stream?type=user`, {
        signal: controller.signal,
      });
      let rest = "";
      for await (const chunk of response.body!) {
        rest += Buffer.from(chunk as Uint8Array).toString();
        const parts = rest.split("\n");
        rest = parts.pop()!;
        for (const part of parts) if (part.startsWith("{")) lines.push(JSON.parse(part) as StreamLine);
      }
    } catch {
      // Aborted by close().
    }
  })();
  return { lines, close: () => controller.abort() };
}

const payloadOf = (line: StreamLine): string => Buffer.from(line.Event?.Payload ?? "", "base64").toString();

async function text(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return "";
  }
}

describe("event coalescing on a 2-agent cluster", () => {
  let dir = "";
  let agents: ShoalAgent[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "shoal-coalesce-"));
    agents = await startShoalCluster("cc", 2, (i) => ({
      profile: "local",
      extraArgs: ["--event-handler", `user=echo "$SERF_USER_EVENT $(cat)" >> '${join(dir, `h${i}.out`)}'`],
    }));
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled(agents.map((a) => a.kill()));
    await rm(dir, { recursive: true, force: true });
  });

  it("delivers only the newest of a burst of coalescible events, and every plain one", async () => {
    const streams = agents.map(watchUserStream);
    // The stream is live once its response headers are in; give it a moment.
    await sleep(300);
    const index = Number((await agents[1]!.send("GET", "/v1/event/list")).headers.get("x-consul-index"));

    const fired = Date.now();
    for (let v = 1; v <= 5; v++) {
      expect((await agents[0]!.send("PUT", "/v1/event/fire/deploy", `v${v}`)).status).toBe(200);
    }
    for (let v = 1; v <= 3; v++) {
      expect((await agents[0]!.send("PUT", "/v1/event/fire/ping?coalesce=false", `p${v}`)).status).toBe(200);
    }

    // The list and its blocking index follow arrivals, not the coalescing window.
    const blocked = await agents[1]!.send("GET", `/v1/event/list?index=${index}&wait=10s`);
    expect(blocked.status).toBe(200);
    // It woke at the first arrival, while the burst was still held back from the handler.
    expect(await text(join(dir, "h1.out"))).not.toContain("deploy");

    for (const [i, agent] of agents.entries()) {
      await waitFor(`${agent.name}'s handler got deploy`, async () =>
        (await text(join(dir, `h${i}.out`))).includes("deploy") ? true : undefined,
      );
    }
    const handledAfterMs = Date.now() - fired;
    // Past the coalesce period: anything still held would have come out by now.
    await sleep(3_500);
    streams.forEach((s) => s.close());

    for (const [i, agent] of agents.entries()) {
      const lines = (await text(join(dir, `h${i}.out`))).trim().split("\n").sort();
      expect(lines, agent.name).toEqual(["deploy v5", "ping p1", "ping p2", "ping p3"]);
      const streamed = streams[i]!.lines.map((l) => `${l.Event?.Name} ${payloadOf(l)}`).sort();
      expect(streamed, agent.name).toEqual(["deploy v5", "ping p1", "ping p2", "ping p3"]);
      // Listed and logged as they arrived, all eight.
      const listed = await agent.get<{ Name: string }[]>("/v1/event/list");
      expect(
        listed.filter((e) => e.Name === "deploy"),
        agent.name,
      ).toHaveLength(5);
      expect(
        listed.filter((e) => e.Name === "ping"),
        agent.name,
      ).toHaveLength(3);
      expect(agent.logs().match(/user event: deploy/g), agent.name).toHaveLength(5);
    }
    console.log(
      `[coalesce] the burst's newest event reached both handlers ${handledAfterMs} ms after the first fire`,
    );
  }, 60_000);
});
