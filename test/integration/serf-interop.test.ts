/**
 * The real protocol core (`createSwimNode`: memberlist + Serf) against a real `serf agent` on
 * 127.0.0.1, over real UDP and TCP through a minimal socket shell: they see each other alive
 * with their tags, exchange user events both ways, see each other's tag changes, answer a
 * query, and Serf shrugs off Shoal's extension traffic (the catalog message type and the extra
 * push/pull key) instead of failing on it. Ports are in 17000-17999.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { SwimEvent } from "../../src/swim/core/api.js";
import { lanConfig } from "../../src/swim/core/config.js";
import { createSwimNode, type ShoalNode } from "../../src/swim/core/node.js";
import { createRng } from "../../src/swim/core/rng.js";
import { CoreSocketHost, freeInteropPort } from "../support/core-socket-host.js";
import { describeWithSerf } from "../support/requirements.js";
import type { SerfAgent } from "../support/serf-agent.js";
import { serfCli, serfMembers, startSerfAgent, waitFor } from "../support/serf-agent.js";

const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

let agent: SerfAgent | undefined;
let host: CoreSocketHost<ShoalNode> | undefined;
const extensionStates: Uint8Array[] = [];

afterAll(async () => {
  await host?.close();
  await agent?.stop();
});

describeWithSerf()("a Shoal node and a real serf agent", () => {
  beforeAll(async () => {
    const serfPort = await freeInteropPort();
    const rpcPort = await freeInteropPort([serfPort]);
    const shoalPort = await freeInteropPort([serfPort, rpcPort]);
    agent = await startSerfAgent({ name: "serf-peer", tags: { role: "web" }, port: serfPort, rpcPort });
    host = new CoreSocketHost(shoalPort, (advertise, nowMs) =>
      createSwimNode({
        name: "shoal-1",
        advertise,
        memberlist: lanConfig(),
        tags: { role: "shoal" },
        rng: createRng(42),
        nowMs,
        extension: {
          messageType: 200,
          onMessage: () => undefined,
          // Non-empty, so every push/pull carries the ShoalExtension key to the agent.
          localState: () => bytes("catalog-state"),
          mergeRemoteState: (state) => extensionStates.push(state),
        },
      }),
    );
    await host.start();
    // Every query that reaches us is answered.
    host.onEvent((e) => {
      if (e.kind === "queryReceived" && e.name === "whoami") {
        setImmediate(() => host?.run((n, now) => n.respond(e.id, e.lTime, bytes("shoal-1 here"), now)));
      }
    });
    host.run((n, now) => n.join([{ host: "127.0.0.1", port: serfPort }], now));
  }, 60_000);

  const shoalEvents = (): SwimEvent[] => host!.events.map((r) => r.event);

  it("joins: both see each other alive with their tags", async () => {
    const joined = await waitFor("joinCompleted", () =>
      shoalEvents().find(
        (e): e is Extract<SwimEvent, { kind: "joinCompleted" }> => e.kind === "joinCompleted",
      ),
    );
    expect(joined.contacted).toBe(1);
    const seenBySerf = await waitFor("serf sees shoal-1 alive", async () =>
      (await serfMembers(agent!.rpcAddr)).find((m) => m.name === "shoal-1" && m.status === "alive"),
    );
    expect(seenBySerf.tags).toEqual({ role: "shoal" });
    // `serf members` reports the Serf (delegate) protocol range we advertise.
    expect(seenBySerf.protocol).toEqual({ min: 2, max: 5, version: 5 });
    const seenByShoal = host!.core.members().find((m) => m.name === "serf-peer");
    expect(seenByShoal).toMatchObject({ status: "alive", tags: { role: "web" } });
    // Serf merged our push/pull (extra ShoalExtension key included) without a decode error.
    expect(agent!.logs()).not.toMatch(/Failed to decode remote state/);
  });

  it("exchanges user events both ways", async () => {
    host!.run((n, now) => n.userEvent("from-shoal", bytes("hello serf"), false, now));
    await waitFor("serf received the event", () =>
      /Received event: user-event: from-shoal/.test(agent!.logs()) ? true : undefined,
    );
    await serfCli(["event", `-rpc-addr=${agent!.rpcAddr}`, "from-serf", "hello shoal"]);
    const got = await waitFor("shoal received the event", () =>
      shoalEvents().find(
        (e): e is Extract<SwimEvent, { kind: "userEventReceived" }> =>
          e.kind === "userEventReceived" && e.name === "from-serf",
      ),
    );
    expect(text(got.payload)).toBe("hello shoal");
  });

  it("sees tag changes both ways", async () => {
    host!.run((n, now) => n.setTags({ role: "shoal", zone: "z2" }, now));
    await waitFor("serf sees the new tags", async () =>
      (await serfMembers(agent!.rpcAddr)).find((m) => m.name === "shoal-1" && m.tags["zone"] === "z2"),
    );
    await serfCli(["tags", `-rpc-addr=${agent!.rpcAddr}`, "-set", "dc=east"]);
    await waitFor("shoal sees the agent's new tags", () =>
      host!.core.members().find((m) => m.name === "serf-peer" && m.tags["dc"] === "east"),
    );
  });

  it("answers a query from serf, ack and response", async () => {
    const out = await serfCli([
      "query",
      `-rpc-addr=${agent!.rpcAddr}`,
      "-format=json",
      "-timeout=3s",
      "-node=shoal-1",
      "whoami",
      "?",
    ]);
    const result = JSON.parse(out) as { Acks: string[]; Responses: Record<string, string> };
    expect(result.Acks).toContain("shoal-1");
    expect(result.Responses["shoal-1"]).toBe("shoal-1 here");
  });

  it("queries serf and collects its ack", async () => {
    let id = -1;
    host!.run((n, now) => {
      const q = n.query(
        { name: "ping-serf", payload: new Uint8Array(), requestAck: true, timeoutMs: 2_000 },
        now,
      );
      id = q.id;
      return q.directives;
    });
    const ack = await waitFor("serf's ack", () =>
      shoalEvents().find(
        (e) => e.kind === "queryResponseReceived" && e.id === id && e.from === "serf-peer" && e.ack,
      ),
    );
    expect(ack).toBeDefined();
  });

  it("serf drops Shoal's extension gossip as an unknown message type", async () => {
    host!.core.broadcastExtension("svc/web", bytes("catalog-update"));
    await waitFor("serf logged the unknown type", () =>
      /Received message of unknown type: 200/.test(agent!.logs()) ? true : undefined,
    );
    // And it is still a healthy member that saw nothing it could not decode.
    expect(agent!.logs()).not.toMatch(/\[ERR\] serf/);
  });
});
