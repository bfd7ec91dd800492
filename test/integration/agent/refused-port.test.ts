/**
 * A kill -9'd agent's port refuses TCP connections: real `shoal agent` processes on 127.0.0.1
 * use the refused TCP fallback ping as proof and end their suspicion after
 * `--refused-suspicion-timeout` (2 s by default) instead of memberlist's minimum (4 s for
 * 4 nodes); with the option at 0 they wait memberlist's time. The suspicion's length is read
 * from each survivor's own log line about how it ended.
 */
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../../support/serf-agent.js";
import { startShoalAgent, type ShoalAgent } from "../../support/shoal-agent.js";

const FAILED = 4;
/** memberlist's minimum suspicion timeout at 4 nodes: 4 × max(1, log10 4) × 1 s. */
const MEMBERLIST_MIN_MS = 4_000;
const REFUSED_MS = 2_000;

const started: ShoalAgent[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((a) => a.kill()));
});

async function formCluster(extraArgs: readonly string[]): Promise<ShoalAgent[]> {
  const seed = await startShoalAgent({ name: "r1", extraArgs });
  started.push(seed);
  for (const name of ["r2", "r3", "r4"]) {
    started.push(await startShoalAgent({ name, join: [`127.0.0.1:${seed.port}`], extraArgs }));
  }
  for (const agent of started) {
    await waitFor(
      `${agent.name} sees 4 alive`,
      async () => ((await agent.get<unknown[]>("/v1/agent/members")).length === 4 ? true : undefined),
      15_000,
    );
  }
  return [...started];
}

/** Kills r4, waits until the others mark it failed; the suspicion lengths they logged. */
async function killAndWatch(agents: readonly ShoalAgent[]): Promise<{ durations: number[]; logs: string }> {
  const victim = agents[3]!;
  await victim.kill();
  const survivors = agents.slice(0, 3);
  for (const agent of survivors) {
    await waitFor(
      `${agent.name} marks r4 failed`,
      async () => {
        const members = await agent.get<{ Name: string; Status: number }[]>("/v1/agent/members");
        return members.find((m) => m.Name === "r4")?.Status === FAILED ? true : undefined;
      },
      40_000,
    );
  }
  const logs = survivors.map((a) => a.logs()).join("\n");
  const durations = [...logs.matchAll(/suspicion of r4 ended: failed after (\d+) ms/g)].map((m) =>
    Number(m[1]),
  );
  return { durations, logs };
}

describe("a kill -9'd agent whose port refuses connections (4 agent processes)", () => {
  it("is declared failed by the refused-port shortcut, before memberlist's minimum", async () => {
    const { durations, logs } = await killAndWatch(await formCluster([]));
    expect(logs).toContain("its TCP port refused the connection");
    // The agent whose probe was refused declares r4 dead when its short suspicion ends; the
    // others take the dead message, ending theirs earlier still.
    expect(Math.max(...durations)).toBeGreaterThanOrEqual(REFUSED_MS - 50);
    expect(Math.max(...durations)).toBeLessThan(MEMBERLIST_MIN_MS);
  }, 90_000);

  it("waits memberlist's suspicion timeout with --refused-suspicion-timeout 0", async () => {
    const { durations } = await killAndWatch(await formCluster(["--refused-suspicion-timeout", "0"]));
    expect(Math.max(...durations)).toBeGreaterThanOrEqual(MEMBERLIST_MIN_MS - 50);
  }, 90_000);
});
