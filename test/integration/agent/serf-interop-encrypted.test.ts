/**
 * The Shoal/Serf interop scenario again with gossip encryption: the same key on every agent
 * (`serf agent -encrypt`, `shoal agent --encrypt`) and Serf's default compression. Then a
 * Shoal agent with a different key: it says the keys differ, exits, and Serf never lists it.
 */
import { randomBytes } from "node:crypto";
import { afterAll, expect, it } from "vitest";
import { describeWithSerf } from "../../support/requirements.js";
import { serfMembers, startSerfAgent, type SerfAgent } from "../../support/serf-agent.js";
import { defineSerfInteropScenario } from "../../support/serf-interop-scenario.js";
import { startShoalAgent, type ShoalAgent } from "../../support/shoal-agent.js";

const key = (): string => randomBytes(32).toString("base64");

describeWithSerf()("Shoal and serf agents in one cluster (encrypted)", () => {
  defineSerfInteropScenario({ title: "serf interop, encrypted", encryptKey: key() });
});

describeWithSerf()("a Shoal agent with the wrong key", () => {
  let serfAgent: SerfAgent | undefined;
  let stranger: ShoalAgent | undefined;

  afterAll(async () => {
    await stranger?.kill();
    await serfAgent?.stop();
  });

  it("logs that the keys differ, does not join, and serf does not list it", async () => {
    serfAgent = await startSerfAgent({ name: "serf-k", encryptKey: key(), profile: "local" });
    // --join must succeed for the agent to run (Serf's rule). Its HTTP API may come up before
    // the failed join ends the process, so either the start helper sees it exit early or the
    // started agent exits with an error afterwards; both must name the key mismatch.
    let outcome: string;
    try {
      stranger = await startShoalAgent({
        name: "stranger",
        encrypt: key(),
        profile: "local",
        join: [`127.0.0.1:${serfAgent.port}`],
      });
      expect(await stranger.exited).not.toBe(0);
      outcome = stranger.logs();
    } catch (error) {
      outcome = String(error);
    }
    expect(outcome).toMatch(/the gossip encryption keys differ/);
    expect((await serfMembers(serfAgent.rpcAddr)).map((m) => m.name)).toEqual(["serf-k"]);
    expect(serfAgent.logs()).toContain("No installed keys could decrypt the message");
  });
});
