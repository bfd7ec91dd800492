/**
 * The facade (`createSwimNode`: memberlist + Serf) on small simulated clusters: joins and
 * join intents, user events, tags, queries, the leave flow, crash, force-leave, reaping,
 * reconnect and Lamport clocks.
 */
import { describe, expect, it } from "vitest";
import { EncodeError, ErrorCode, ShoalError } from "../../../../src/errors.js";
import { lanConfig, localConfig } from "../../../../src/swim/core/config.js";
import { createSwimNode } from "../../../../src/swim/core/node.js";
import { createRng } from "../../../../src/swim/core/rng.js";
import { cluster } from "./cluster.js";

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("join", () => {
  it("every node sees every other alive, and each announced itself with a join intent", () => {
    const c = cluster(4);
    for (let i = 0; i < 4; i++) {
      const statuses = c
        .node(i)
        .members()
        .map((m) => m.status);
      expect(statuses).toEqual(["alive", "alive", "alive", "alive"]);
      // Every join intent was witnessed: the member clock moved past all of them.
      expect(c.node(i).clocks().member).toBeGreaterThan(1);
    }
    expect(c.eventsOf(1, "joinCompleted")).toEqual([{ kind: "joinCompleted", contacted: 1, failed: [] }]);
    expect(c.node(0).serfState()).toBe("alive");
  });

  it("announces Serf's delegate protocol 2..5 (speaking 5) in the alive message", () => {
    const c = cluster(2);
    expect(c.view(0, c.name(1))?.vsn).toEqual([1, 5, 2, 2, 5, 5]);
  });
});

describe("user events", () => {
  it("go out at once, not at the next gossip tick", () => {
    // LAN preset (200 ms ticks; 4 transmits at 4 nodes: one round reaches all 3 others).
    for (let seed = 1; seed <= 20; seed++) {
      const c = cluster(4, { seed, memberlist: lanConfig() });
      c.sim.runFor(seed * 13);
      c.sim.userEvent(1, "now", bytes("1"));
      c.sim.runFor(5);
      for (const i of [0, 2, 3]) {
        const names = c.eventsOf(i, "userEventReceived").map((e) => e.name);
        expect(names, `seed ${seed}: node ${i} 5 ms after the event`).toEqual(["now"]);
      }
    }
  });

  it("and tag changes too", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const c = cluster(4, { seed, memberlist: lanConfig() });
      c.sim.runFor(seed * 13);
      c.sim.setTags(2, { role: "db" });
      c.sim.runFor(5);
      for (const i of [0, 1, 3]) expect(c.view(i, c.name(2))?.tags, `seed ${seed}`).toEqual({ role: "db" });
    }
  });

  it("reach every node exactly once, the origin included, with their Lamport time", () => {
    const c = cluster(4);
    c.sim.userEvent(2, "deploy", bytes("v42"), true);
    c.sim.runFor(3_000);
    for (let i = 0; i < 4; i++) {
      const got = c.eventsOf(i, "userEventReceived");
      expect(got).toHaveLength(1);
      expect(got[0]).toMatchObject({ name: "deploy", payload: bytes("v42"), coalesce: true });
    }
    const lTime = c.eventsOf(0, "userEventReceived")[0]!.lTime;
    for (let i = 0; i < 4; i++) expect(c.node(i).clocks().event).toBeGreaterThan(lTime);
  });

  it("a join does not replay older events (Serf's default), unless replay is asked for", () => {
    for (const replayOnJoin of [false, true]) {
      const c = cluster(2, { serf: { replayOnJoin } });
      c.sim.userEvent(0, "before-join", bytes("old"));
      c.sim.runFor(3_000);
      c.sim.addNode();
      c.sim.join(2, [0]);
      c.sim.runFor(3_000);
      expect(c.eventsOf(2, "userEventReceived").map((e) => e.name)).toEqual(
        replayOnJoin ? ["before-join"] : [],
      );
    }
  });

  it("events fired on the other side of a partition arrive after it heals (push/pull replay)", () => {
    const c = cluster(3, { serf: { reconnectIntervalMs: 5_000 } });
    c.sim.partition([[0, 1], [2]]);
    c.sim.runFor(1_000);
    c.sim.userEvent(2, "during-partition", bytes("x"));
    c.sim.runFor(44_000);
    expect(c.eventsOf(0, "userEventReceived")).toEqual([]);
    c.sim.heal();
    c.sim.runFor(30_000);
    for (const i of [0, 1]) {
      expect(c.eventsOf(i, "userEventReceived").map((e) => e.name)).toEqual(["during-partition"]);
    }
  });

  it("refuses events over Serf's 512-byte limit, before and after encoding", () => {
    const c = cluster(1, {}, 0);
    const tooBig = (): unknown => c.node(0).userEvent("n", new Uint8Array(512), false, 0);
    expect(tooBig).toThrow(ShoalError);
    // 500 bytes of name + payload fit the first check but not the encoded one.
    expect(() => c.node(0).userEvent("n", new Uint8Array(499), false, 0)).toThrow(/encoded/);
    try {
      tooBig();
    } catch (err) {
      expect((err as ShoalError).code).toBe(ErrorCode.limit);
    }
    expect(c.node(0).clocks().event).toBe(1); // nothing was stamped
  });
});

describe("tags", () => {
  it("a tag change reaches every node as memberUpdated", () => {
    const c = cluster(3);
    c.sim.setTags(1, { role: "db" });
    c.sim.runFor(3_000);
    for (const i of [0, 2]) {
      expect(c.view(i, c.name(1))?.tags).toEqual({ role: "db" });
      expect(c.eventsOf(i, "memberUpdated").map((e) => e.member.tags)).toContainEqual({ role: "db" });
    }
  });

  it("tags over the 512-byte meta limit are refused and change nothing", () => {
    const c = cluster(1, { tags: { role: "web" } }, 0);
    expect(() => c.node(0).setTags({ big: "x".repeat(600) }, 0)).toThrow(EncodeError);
    expect(c.view(0, c.name(0))?.tags).toEqual({ role: "web" });
  });
});

describe("queries", () => {
  it("collects one ack and one response per matching node, then closes at the timeout", () => {
    const c = cluster(4);
    // Every node answers what it receives (from a listener: schedule, do not re-enter).
    c.sim.onEvent(({ node, event }) => {
      if (event.kind === "queryReceived") {
        c.sim.at(c.sim.now, () => c.sim.respond(node, event.id, event.lTime, bytes(`from-${node}`)));
      }
    });
    const id = c.sim.query(0, { name: "uptime", payload: bytes("?"), requestAck: true, timeoutMs: 2_000 });
    c.sim.runFor(3_000);
    const answers = c.eventsOf(0, "queryResponseReceived").filter((e) => e.id === id);
    const acks = answers
      .filter((a) => a.ack)
      .map((a) => a.from)
      .sort();
    const responses = answers.filter((a) => !a.ack);
    expect(acks).toEqual([0, 1, 2, 3].map((i) => c.name(i)));
    expect(responses.map((r) => r.from).sort()).toEqual(acks);
    expect(responses.find((r) => r.from === c.name(2))?.payload).toEqual(bytes("from-2"));
    expect(c.eventsOf(0, "queryClosed")).toEqual([{ kind: "queryClosed", id }]);
    for (let i = 1; i < 4; i++) expect(c.eventsOf(i, "queryReceived")).toHaveLength(1);
  });

  it("filters by node name and by tag, and every node still forwards the query", () => {
    const c = cluster(4);
    c.sim.setTags(3, { role: "db" });
    c.sim.runFor(2_000);
    c.sim.query(0, { name: "q1", payload: new Uint8Array(), filterNodes: [c.name(1)] });
    c.sim.query(0, { name: "q2", payload: new Uint8Array(), filterTags: { role: "^d" } });
    c.sim.runFor(3_000);
    const received = (i: number): string[] => c.eventsOf(i, "queryReceived").map((e) => e.name);
    expect(received(1)).toEqual(["q1"]);
    expect(received(2)).toEqual([]);
    expect(received(3)).toEqual(["q2"]);
  });

  it("answers only once and only before the deadline; internal _serf_ queries surface by name", () => {
    const c = cluster(2);
    c.sim.query(0, { name: "_serf_ping", payload: new Uint8Array(), timeoutMs: 1_000 });
    c.sim.runFor(500);
    const [q] = c.eventsOf(1, "queryReceived");
    expect(q?.name).toBe("_serf_ping");
    c.sim.respond(1, q!.id, q!.lTime, bytes("pong"));
    expect(() => c.sim.respond(1, q!.id, q!.lTime, bytes("again"))).toThrow(/unknown or was answered/);
    c.sim.query(0, { name: "slow", payload: new Uint8Array(), timeoutMs: 1_000 });
    c.sim.runFor(2_000);
    const slow = c.eventsOf(1, "queryReceived").find((e) => e.name === "slow")!;
    expect(() => c.sim.respond(1, slow.id, slow.lTime, bytes("late"))).toThrow(ShoalError);
  });

  it("relays answers through other members when the direct path fails (relay factor)", () => {
    const c = cluster(4);
    c.sim.network.setLink(3, 0, { loss: 1 }); // node 3's packets to the origin vanish
    const acksFrom3 = (id: number): number =>
      c.eventsOf(0, "queryResponseReceived").filter((e) => e.id === id && e.ack && e.from === c.name(3))
        .length;
    const direct = c.sim.query(0, {
      name: "d",
      payload: new Uint8Array(),
      requestAck: true,
      timeoutMs: 2_000,
    });
    c.sim.runFor(2_500);
    expect(acksFrom3(direct)).toBe(0);
    const relayed = c.sim.query(0, {
      name: "r",
      payload: new Uint8Array(),
      requestAck: true,
      relayFactor: 2,
      timeoutMs: 2_000,
    });
    c.sim.runFor(2_500);
    // Through at least one relay; copies are de-duplicated at the origin.
    expect(acksFrom3(relayed)).toBe(1);
    expect(c.eventsOf(0, "queryResponseReceived").filter((e) => e.id === relayed && e.ack)).toHaveLength(4);
  });
});

describe("graceful leave", () => {
  it("leave intent, then memberlist's leave, then the propagate delay: everyone sees left, never failed", () => {
    const c = cluster(4);
    const start = c.sim.now;
    c.sim.leave(3);
    expect(c.node(3).serfState()).toBe("leaving");
    c.sim.runFor(8_000);
    const [done] = c.sim.node(3).events.filter((r) => r.event.kind === "leaveCompleted");
    expect(done).toBeDefined();
    // At least the propagate delay (1 s) after the leave started, within intent + memberlist timeouts + 1 s.
    expect(done!.timeMs - start).toBeGreaterThanOrEqual(1_000);
    expect(done!.timeMs - start).toBeLessThanOrEqual(11_000);
    expect(c.node(3).serfState()).toBe("left");
    for (let i = 0; i < 3; i++) {
      expect(c.view(i, c.name(3))?.status).toBe("left");
      expect(c.eventsOf(i, "memberFailed")).toEqual([]);
      expect(c.eventsOf(i, "memberLeft").map((e) => e.member.name)).toEqual([c.name(3)]);
    }
  });

  it("sends its intent and then its dead message at once, not at the next gossip tick", () => {
    // LAN preset: 4 transmits per message at 4 nodes. Over 30 seeds the leave starts at every
    // phase of the 200 ms gossip ticker. memberlist sends the intent at the next tick, its 4th
    // transmit a tick later, and the dead message at the tick after that (200-600 ms). Shoal
    // sends the intent to all 3 at once, its 4th transmit at the next tick, and the dead
    // message as soon as that finished: everyone has the leave within one interval.
    for (let seed = 1; seed <= 30; seed++) {
      const c = cluster(4, { seed, memberlist: lanConfig() });
      c.sim.runFor(seed * 13);
      c.sim.leave(3);
      c.sim.runFor(5);
      for (let i = 0; i < 3; i++) {
        // "left" already when the next tick fell within these 5 ms.
        expect(["leaving", "left"], `seed ${seed}: node ${i} 5 ms after the leave`).toContain(
          c.view(i, c.name(3))?.status,
        );
      }
      c.sim.runFor(200);
      for (let i = 0; i < 3; i++) {
        const left = c.eventsOf(i, "memberLeft").map((e) => e.member.name);
        expect(left, `seed ${seed}: node ${i} 205 ms after the leave`).toEqual([c.name(3)]);
        expect(c.eventsOf(i, "memberFailed")).toEqual([]);
      }
    }
  });

  it("alone, a node leaves at once (plus the propagate delay)", () => {
    const c = cluster(1, {}, 0);
    c.sim.leave(0);
    c.sim.runFor(1_500);
    expect(c.eventsOf(0, "leaveCompleted")).toHaveLength(1);
    expect(c.sim.node(0).events.find((r) => r.event.kind === "leaveCompleted")?.timeMs).toBe(1_000);
  });
});

describe("crash, force-leave and reaping", () => {
  it("a crashed node is failed everywhere; force-leave makes it left everywhere; prune erases it", () => {
    // memberlist's failure timing: with 4 nodes an intent gets 2 transmissions per node and the
    // dead node is still a gossip target, so this seed's spread depends on the exact timeline.
    const c = cluster(4, { memberlist: { ...localConfig(), refusedSuspicionTimeoutMs: 0 } });
    c.sim.crash(3);
    c.sim.runFor(15_000);
    for (let i = 0; i < 3; i++) expect(c.view(i, c.name(3))?.status).toBe("failed");
    c.sim.forceLeave(0, c.name(3));
    c.sim.runFor(2_000);
    for (let i = 0; i < 3; i++) {
      expect(c.view(i, c.name(3))?.status).toBe("left");
      expect(c.eventsOf(i, "memberLeft").map((e) => e.member.name)).toEqual([c.name(3)]);
    }
    // From node 0: a push/pull may have synthesized a leave one past the first (Serf's
    // LeftMembers rule), and node 0 has witnessed it, so its new intent is newer everywhere.
    c.sim.forceLeave(0, c.name(3), true);
    c.sim.runFor(2_000);
    for (let i = 0; i < 3; i++) {
      expect(c.view(i, c.name(3))).toBeUndefined();
      expect(c.eventsOf(i, "memberReaped").map((e) => e.member.name)).toEqual([c.name(3)]);
    }
  });

  it("force-leave of a live node is refuted by that node with a newer join intent", () => {
    const c = cluster(3);
    c.sim.forceLeave(0, c.name(2));
    c.sim.runFor(3_000);
    for (let i = 0; i < 3; i++) expect(c.view(i, c.name(2))?.status).toBe("alive");
  });

  it("reaps failed members after the reconnect timeout and left ones after the tombstone timeout", () => {
    const c = cluster(4, {
      serf: { reconnectTimeoutMs: 40_000, tombstoneTimeoutMs: 20_000, reapIntervalMs: 1_000 },
    });
    c.sim.leave(2);
    c.sim.crash(3);
    const t0 = c.sim.now;
    c.sim.runUntilTrue(
      () => c.view(0, c.name(2))?.status === "left" && c.view(0, c.name(3))?.status === "failed",
      t0 + 20_000,
    );
    const reapedAt = (name: string): number | undefined =>
      c.sim.node(0).events.find((r) => r.event.kind === "memberReaped" && r.event.member.name === name)
        ?.timeMs;
    c.sim.runFor(60_000);
    expect(reapedAt(c.name(2))! - t0).toBeGreaterThan(20_000);
    expect(reapedAt(c.name(2))! - t0).toBeLessThan(40_000);
    expect(reapedAt(c.name(3))! - t0).toBeGreaterThan(40_000);
    expect(
      c
        .node(0)
        .members()
        .map((m) => m.name)
        .sort(),
    ).toEqual([c.name(0), c.name(1)]);
  });

  it("reconnects to a failed member once the network heals, after memberlist forgot it", () => {
    const c = cluster(3, { serf: { reconnectIntervalMs: 5_000 } });
    c.sim.partition([[0, 1], [2]]);
    c.sim.runFor(45_000); // failed, then past GossipToTheDeadTime: memberlist has reaped it
    expect(c.view(0, c.name(2))?.status).toBe("failed");
    expect(
      c.sim
        .node(0)
        .core.members()
        .find((m) => m.name === c.name(2))?.memberlistState,
    ).toBe("dead");
    c.sim.heal();
    const healed = c.sim.runUntilTrue(() => c.sim.divergence() === undefined, c.sim.now + 30_000, 100);
    expect(healed).toBeDefined();
    // Reconnect attempts are not joins the shell asked for: no joinCompleted for them.
    expect(c.eventsOf(0, "joinCompleted")).toHaveLength(0);
  });
});

describe("Lamport clocks from a snapshot", () => {
  it("resume at the times a previous run's clocks() saved", () => {
    const node = createSwimNode({
      name: "n",
      advertise: { host: "10.0.0.1", port: 7946 },
      memberlist: localConfig(),
      rng: createRng(1),
      nowMs: 0,
      clocks: { member: 10, event: 20, query: 30 },
    });
    expect(node.clocks()).toEqual({ member: 10, event: 20, query: 30 });
  });
});
