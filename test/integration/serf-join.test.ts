/**
 * A live `serf agent` accepts a stand-in node whose every byte comes from Shoal's codec:
 * it joins with a TCP push/pull, answers the agent's UDP pings with acks, and `serf members`
 * shows it alive with its tags, in plaintext, compressed, and encrypted with a shared key.
 */
import { afterAll, expect, it } from "vitest";
import { Keyring, encodeBase64 } from "../../src/swim/codec/keyring.js";
import { decodeSerfMessage } from "../../src/swim/codec/serf-messages.js";
import { serfMembers, sleep, startSerfAgent, waitFor } from "../support/serf-agent.js";
import type { SerfAgent } from "../support/serf-agent.js";
import { describeWithSerf } from "../support/requirements.js";
import { StandinNode } from "../support/standin-node.js";

const agents: SerfAgent[] = [];
const nodes: StandinNode[] = [];

afterAll(async () => {
  await Promise.allSettled(nodes.map((n) => n.close()));
  await Promise.allSettled(agents.map((a) => a.stop()));
});

const KEY = encodeBase64(Uint8Array.from({ length: 32 }, (_, i) => (i * 97 + 5) & 0xff));

interface Scenario {
  readonly title: string;
  readonly key?: string;
  readonly compress: boolean;
  readonly agentCompression: boolean;
}

const scenarios: Scenario[] = [
  { title: "plaintext, compression on both sides", compress: true, agentCompression: true },
  { title: "plaintext, no compression", compress: false, agentCompression: false },
  { title: "encrypted with a shared key, compression on", key: KEY, compress: true, agentCompression: true },
];

describeWithSerf()("a live serf agent and Shoal's codec", () => {
  for (const s of scenarios) {
    it(`accepts the stand-in as an alive member with its tags (${s.title})`, async () => {
      const agent = await startSerfAgent({
        name: "serf-peer",
        tags: { role: "web" },
        ...(s.key !== undefined ? { encryptKey: s.key } : {}),
        disableCompression: !s.agentCompression,
      });
      agents.push(agent);
      const node = new StandinNode({
        name: "shoal-standin",
        tags: { role: "shoal", zone: "z1" },
        compress: s.compress,
        ...(s.key !== undefined ? { keyring: Keyring.fromBase64([s.key]) } : {}),
      });
      nodes.push(node);
      await node.start();

      const reply = await node.pushPull(agent.port, true);
      expect(reply.message.kind).toBe("pushPull");
      if (reply.message.kind === "pushPull") {
        expect(reply.message.nodes.map((n) => n.name)).toEqual(["serf-peer"]);
        expect(decodeSerfMessage(reply.message.userState).kind).toBe("pushPull");
      }
      if (s.key !== undefined) expect(reply.raw[0]).toBe(10);

      const me = await waitFor("the stand-in in serf members", async () => {
        const members = await serfMembers(agent.rpcAddr);
        return members.find((m) => m.name === "shoal-standin" && m.status === "alive");
      });
      expect(me.tags).toEqual({ role: "shoal", zone: "z1" });
      expect(me.addr).toBe(`127.0.0.1:${node.port}`);

      // The agent probes us every second; after several answered probes we must still be
      // alive (a missed ack would make it suspect us within ~1 s and mark us failed later).
      await waitFor("three pings from the agent", () =>
        node.allMessages().filter((m) => m.kind === "ping").length >= 3 ? true : undefined,
      );
      await sleep(500);
      const after = await serfMembers(agent.rpcAddr);
      expect(after.find((m) => m.name === "shoal-standin")?.status).toBe("alive");
      expect(agent.logs()).not.toMatch(/Suspect shoal-standin/);
      expect(node.packets.every((p) => p.error === undefined)).toBe(true);
      if (s.key !== undefined) {
        // Everything arrived encrypted (version byte 1) and opened with the shared key.
        expect(node.packets.every((p) => p.raw[0] === 1)).toBe(true);
      }
      await node.close();
      await agent.stop();
    });
  }

  it("a stand-in with the wrong key cannot join an encrypted agent", async () => {
    const agent = await startSerfAgent({ name: "serf-locked", encryptKey: KEY });
    agents.push(agent);
    const wrong = encodeBase64(new Uint8Array(32).fill(1));
    const node = new StandinNode({
      name: "intruder",
      tags: {},
      compress: true,
      keyring: Keyring.fromBase64([wrong]),
    });
    nodes.push(node);
    await node.start();
    await expect(node.pushPull(agent.port, true, 3000)).rejects.toThrow();
    const members = await serfMembers(agent.rpcAddr);
    expect(members.map((m) => m.name)).toEqual(["serf-locked"]);
    await node.close();
    await agent.stop();
  });
});
