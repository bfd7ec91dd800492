/**
 * Ten `shoal agent` processes with data directories: they converge, all nine survivors see a
 * kill -9 as failed, and after every agent is stopped (without a leave) and started again
 * WITHOUT --join, they re-form the cluster from their snapshots alone, and do not replay the
 * user event fired before the restart.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { membersSeenBy, shoal, Timings } from "../../support/mixed-cluster.js";
import { waitFor } from "../../support/serf-agent.js";
import { startShoalAgent, type ShoalAgent, type ShoalAgentOptions } from "../../support/shoal-agent.js";
import { describeWithSerf } from "../../support/requirements.js";

const COUNT = 10;
/** Generous on two loaded cores: start-up, gossip to 10 nodes, and push/pull repair (15 s). */
const CONVERGE_MS = 60_000;
/** Probe + suspicion ("local" profile: 3 s x log10(10), up to 6x under Lifeguard) + slack. */
const FAILURE_BOUND_MS = 45_000;

interface Event {
  readonly Name: string;
}

describeWithSerf()("ten Shoal agents as processes", () => {
  const timings = new Timings("ten agents");
  let dir = "";
  let agents: ShoalAgent[] = [];
  const optionsFor = (i: number): Omit<ShoalAgentOptions, "name"> => ({
    profile: "local",
    dataDir: join(dir, `agent-${i + 1}`),
    // Stop means "go down without a leave": a leave would (rightly) stop the snapshot rejoin.
    extraArgs: ["--leave-on-terminate=false"],
  });

  const aliveCount = async (agent: ShoalAgent): Promise<number> =>
    (await membersSeenBy(shoal(agent))).filter((m) => m.status === "alive").length;

  const waitAllSee = async (
    what: string,
    check: (agent: ShoalAgent) => Promise<boolean>,
  ): Promise<number> => {
    const started = Date.now();
    await Promise.all(
      agents.map((agent) =>
        waitFor(`${agent.name}: ${what}`, async () => ((await check(agent)) ? true : undefined), CONVERGE_MS),
      ),
    );
    return Date.now() - started;
  };

  /**
   * Starts agents a few at a time (on two cores a crowd of starting Node processes slows every
   * one), adding each to `agents` as soon as it runs so that afterAll stops it even if another
   * one fails to start.
   */
  const startAll = async (specs: readonly ShoalAgentOptions[]): Promise<void> => {
    for (let i = 0; i < specs.length; i += 5) {
      const batch = specs.slice(i, i + 5).map(async (spec) => {
        agents.push(await startShoalAgent({ startTimeoutMs: 60_000, ...spec }));
      });
      const results = await Promise.allSettled(batch);
      for (const r of results) if (r.status === "rejected") throw r.reason;
    }
    agents.sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }));
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "shoal-ten-"));
    const started = Date.now();
    const seed = await startShoalAgent({ ...optionsFor(0), name: "n-1" });
    agents.push(seed);
    // Retry-join, not -join: with the local profile a push/pull has 1 s (tcpTimeout), and on
    // a loaded CI machine the seed, busy with a batch of joins, can miss it; -join would make
    // the agent refuse to start (Serf's semantics), retry-join tries again a second later.
    const rest = Array.from({ length: COUNT - 1 }, (_, i) => {
      const options = optionsFor(i + 1);
      return {
        ...options,
        name: `n-${i + 2}`,
        extraArgs: [
          ...(options.extraArgs ?? []),
          "--retry-join",
          `127.0.0.1:${seed.port}`,
          "--retry-interval",
          "1s",
        ],
      };
    });
    await startAll(rest);
    timings.add("10 agents started", Date.now() - started);
  }, 180_000);

  afterAll(async () => {
    timings.print();
    // An agent that died by itself is a finding: show how it ended.
    for (const agent of agents) {
      const code = await Promise.race([agent.exited, Promise.resolve("running" as const)]);
      if (code !== "running")
        console.log(`${agent.name} exited by itself (${String(code)}):\n${agent.logs().slice(-3000)}`);
    }
    await Promise.allSettled(agents.map((a) => a.kill()));
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  it("converges: every agent sees all 10 alive", async () => {
    timings.add(
      "all see 10 alive",
      await waitAllSee("10 alive", async (a) => (await aliveCount(a)) === COUNT),
    );
  });

  it("sees a kill -9 as failed on all nine others", async () => {
    const victim = agents[4]!;
    await victim.kill();
    const others = agents.filter((a) => a !== victim);
    const started = Date.now();
    await Promise.all(
      others.map(async (agent) => {
        await waitFor(
          `${agent.name} sees ${victim.name} failed`,
          async () =>
            (await membersSeenBy(shoal(agent))).find((m) => m.name === victim.name)?.status === "failed"
              ? true
              : undefined,
          FAILURE_BOUND_MS,
        );
      }),
    );
    timings.add("kill -9 seen failed by all 9 others", Date.now() - started);
  });

  it("re-forms from the data directories after a full restart without --join, replaying no old event", async () => {
    // An event every survivor has seen before the restart; it must not come back afterwards.
    const survivors = agents.filter((a) => a.name !== "n-5");
    const fire = await survivors[0]!.send("PUT", "/v1/event/fire/before-restart", "old");
    expect(fire.status).toBe(200);
    for (const agent of survivors) {
      await waitFor(
        `${agent.name} got before-restart`,
        async () => ((await agent.get<Event[]>("/v1/event/list")).length > 0 ? true : undefined),
        CONVERGE_MS,
      );
    }
    // Give the snapshots' 1 s write throttle time to record the event clock, then stop all.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await Promise.all(agents.map((a) => a.stop()));

    const started = Date.now();
    const previous = agents;
    agents = [];
    // Same names, data directories and gossip ports (the snapshots hold addresses); no --join.
    await startAll(previous.map((old, i) => ({ ...optionsFor(i), name: old.name, port: old.port })));
    timings.add("10 agents restarted", Date.now() - started);
    timings.add(
      "restarted cluster: all see 10 alive",
      await waitAllSee("10 alive after restart", async (a) => (await aliveCount(a)) === COUNT),
    );

    // A fresh event reaches everyone (so events flow), while the old one stays forgotten.
    const fresh = await agents[0]!.send("PUT", "/v1/event/fire/after-restart", "new");
    expect(fresh.status).toBe(200);
    await waitAllSee("after-restart event", async (a) =>
      (await a.get<Event[]>("/v1/event/list")).some((e) => e.Name === "after-restart"),
    );
    for (const agent of agents) {
      const names = (await agent.get<Event[]>("/v1/event/list")).map((e) => e.Name);
      expect(names, agent.name).not.toContain("before-restart");
    }
  }, 240_000);
});
