/**
 * `shoal force-leave NODE` turns a kill -9'd (failed) member into `left` on every agent, Serf
 * included; `--prune` erases a failed member from every member list at once.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  membersSeenBy,
  serf,
  shoal,
  Timings,
  waitForStatus,
  type AnyAgent,
} from "../../support/mixed-cluster.js";
import { describeWithSerf } from "../../support/requirements.js";
import { serfCli, startSerfAgent, waitFor, type SerfAgent } from "../../support/serf-agent.js";
import { startShoalAgent, type ShoalAgent } from "../../support/shoal-agent.js";
import { shoalCli } from "../../support/shoal-cli.js";

/**
 * Serf's default "lan" profile: with "local", a 4-node cluster retransmits each broadcast only
 * twice per node and an intent can miss a node until the next push/pull.
 * Probe + suspicion (4 s, up to 6x before confirmations), with slack for a loaded machine.
 */
const FAILURE_BOUND_MS = 45_000;
/** Gossip, or the next push/pull (30 s) if every retransmission missed a node. */
const SPREAD_MS = 60_000;

describeWithSerf()("shoal force-leave", () => {
  const timings = new Timings("force-leave");
  const agents: ShoalAgent[] = [];
  let serfAgent: SerfAgent | undefined;
  const observers = (): AnyAgent[] => [shoal(agents[0]!), serf(serfAgent!)];

  beforeAll(async () => {
    agents.push(await startShoalAgent({ name: "a1", profile: "lan" }));
    const seed = `127.0.0.1:${agents[0]!.port}`;
    for (const name of ["a2", "a3"])
      agents.push(await startShoalAgent({ name, profile: "lan", join: [seed] }));
    serfAgent = await startSerfAgent({ name: "serf-x", profile: "lan" });
    await serfCli(["join", `-rpc-addr=${serfAgent.rpcAddr}`, seed]);
    for (const observer of observers()) {
      for (const name of ["a1", "a2", "a3", "serf-x"])
        await waitForStatus(observer, name, "alive", SPREAD_MS);
    }
  });

  afterAll(async () => {
    timings.print();
    await Promise.allSettled([...agents.map((a) => a.kill()), serfAgent?.stop()]);
  });

  it("moves a failed member to left on every agent", async () => {
    await agents[2]!.kill();
    for (const observer of observers()) await waitForStatus(observer, "a3", "failed", FAILURE_BOUND_MS);
    await shoalCli(agents[1]!.httpAddr, ["force-leave", "a3"]);
    const started = Date.now();
    for (const observer of observers()) {
      await waitForStatus(observer, "a3", "left", SPREAD_MS);
      timings.add(`force-leave seen as left by ${observer.agent.name}`, Date.now() - started);
    }
  });

  it("with --prune, erases a failed member from every member list", async () => {
    await agents[1]!.kill();
    for (const observer of observers()) await waitForStatus(observer, "a2", "failed", FAILURE_BOUND_MS);
    await shoalCli(agents[0]!.httpAddr, ["force-leave", "--prune", "a2"]);
    const started = Date.now();
    for (const observer of observers()) {
      await waitFor(
        `${observer.agent.name} no longer lists a2`,
        async () => ((await membersSeenBy(observer)).some((m) => m.name === "a2") ? undefined : true),
        SPREAD_MS,
      );
      timings.add(`force-leave --prune: a2 gone from ${observer.agent.name}`, Date.now() - started);
    }
    expect((await membersSeenBy(shoal(agents[0]!))).map((m) => m.name).sort()).toEqual([
      "a1",
      "a3",
      "serf-x",
    ]);
  });
});
