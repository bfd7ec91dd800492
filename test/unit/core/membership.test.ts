import { describe, expect, it } from "vitest";

import type { Alive, Dead, PushNodeState, Suspect } from "../../../src/swim/codec/types.js";
import type { SwimEvent } from "../../../src/swim/core/api.js";
import { Awareness } from "../../../src/swim/core/awareness.js";
import { lanConfig } from "../../../src/swim/core/config.js";
import type { MemberlistConfig } from "../../../src/swim/core/config.js";
import { DeadlineCalendar } from "../../../src/swim/core/deadline-calendar.js";
import type { NodeView } from "../../../src/swim/core/delegate.js";
import { Membership } from "../../../src/swim/core/membership.js";
import { createRng } from "../../../src/swim/core/rng.js";
import { RecordingDelegate } from "./recording-delegate.js";

const VSN = Uint8Array.from([1, 5, 2, 2, 5, 5]);
const SEED = Number(process.env["TEST_SEED"] ?? 424242);

function alive(node: string, incarnation: number, ip = 1, meta = new Uint8Array([0xff, 0x80])): Alive {
  return {
    kind: "alive",
    incarnation,
    node,
    addr: Uint8Array.from([10, 0, 0, ip]),
    port: 7946,
    meta,
    vsn: VSN,
  };
}
const suspect = (node: string, incarnation: number, from: string): Suspect => ({
  kind: "suspect",
  incarnation,
  node,
  from,
});
const dead = (node: string, incarnation: number, from: string): Dead => ({
  kind: "dead",
  incarnation,
  node,
  from,
});

/** A Membership with a stub host that records broadcasts and events. */
function setup(config: MemberlistConfig = lanConfig(), self = "self") {
  const calendar = new DeadlineCalendar();
  const awareness = new Awareness(config.awarenessMaxMultiplier);
  const delegate = new RecordingDelegate();
  const broadcasts: { name: string; message: Alive | Suspect | Dead }[] = [];
  const events: SwimEvent[] = [];
  let leaving = false;
  const m = new Membership({
    name: self,
    config,
    rng: createRng(SEED),
    calendar,
    awareness,
    delegate,
    localPort: 7946,
    isLeaving: () => leaving,
    broadcast: (name, message) => broadcasts.push({ name, message }),
    emit: (e) => events.push(e),
  });
  m.aliveNode(alive(self, m.nextIncarnation(), 100), 0, true);
  return { m, calendar, awareness, delegate, broadcasts, events, setLeaving: (v: boolean) => (leaving = v) };
}

describe(`membership merge rules (seed ${SEED})`, () => {
  it("adds unknown nodes, fires notifyJoin (self too), and re-broadcasts alive", () => {
    const t = setup();
    t.m.aliveNode(alive("a", 1, 1), 10);
    expect(t.m.nodes.size()).toBe(2);
    expect(t.delegate.joins).toEqual(["self", "a"]);
    expect(t.broadcasts.map((b) => b.name)).toEqual(["self", "a"]);
    expect(t.m.nodes.get("a")?.state).toBe("alive");
  });

  it("ignores alive about others unless the incarnation is newer; meta change fires notifyUpdate", () => {
    const t = setup();
    t.m.aliveNode(alive("a", 5, 1), 0);
    t.m.aliveNode(alive("a", 5, 1, new Uint8Array([1])), 1);
    t.m.aliveNode(alive("a", 4, 1), 1);
    expect(t.m.nodes.get("a")?.incarnation).toBe(5);
    expect(t.delegate.updates).toEqual([]);
    t.m.aliveNode(alive("a", 6, 1, new Uint8Array([0xff, 0x81])), 2);
    expect(t.delegate.updates).toEqual(["a"]);
  });

  it("rejects bad Vsn (pmin 0, pmax 0, pmin > pmax)", () => {
    const t = setup();
    for (const vsn of [
      [0, 5, 2, 2, 5, 5],
      [1, 0, 2, 2, 5, 5],
      [4, 3, 2, 2, 5, 5],
    ]) {
      t.m.aliveNode({ ...alive("bad", 1, 9), vsn: Uint8Array.from(vsn) }, 0);
    }
    expect(t.m.nodes.get("bad")).toBeUndefined();
  });

  it("address conflicts: kept unless the old node left (or dead past the reclaim time)", () => {
    const t = setup({ ...lanConfig(), deadNodeReclaimTimeMs: 1000 });
    const conflicts: string[] = [];
    t.delegate.notifyConflict = (existing, other) =>
      conflicts.push(`${existing.address.host}/${other.address.host}`);
    t.m.aliveNode(alive("a", 1, 1), 0);
    t.m.aliveNode(alive("a", 2, 2), 1);
    expect(t.m.nodes.get("a")?.address.host).toBe("10.0.0.1");
    expect(conflicts).toEqual(["10.0.0.1/10.0.0.2"]);
    // Dead but not long enough: still a conflict.
    t.m.deadNode(dead("a", 1, "x"), 10);
    t.m.aliveNode(alive("a", 2, 2), 500);
    expect(t.m.nodes.get("a")?.address.host).toBe("10.0.0.1");
    // Dead past the reclaim time: the new address wins, even at the same incarnation.
    t.m.aliveNode(alive("a", 1, 2), 2000);
    expect(t.m.nodes.get("a")?.address.host).toBe("10.0.0.2");
    expect(t.m.nodes.get("a")?.state).toBe("alive");
    // Left: reclaimable at once.
    t.m.deadNode(dead("a", 1, "a"), 2100);
    expect(t.m.nodes.get("a")?.state).toBe("left");
    t.m.aliveNode(alive("a", 1, 3), 2101);
    expect(t.m.nodes.get("a")?.address.host).toBe("10.0.0.3");
  });

  it("stale alives (same or older incarnation) at another address or port are still conflicts", () => {
    const t = setup();
    const conflicts: string[] = [];
    t.delegate.notifyConflict = (existing, other) =>
      conflicts.push(
        `${existing.address.host}:${existing.address.port}/${other.address.host}:${other.address.port}`,
      );
    t.m.aliveNode(alive("a", 3, 1), 0);
    const known = { ...t.m.nodes.get("a")! };
    const broadcasts = t.broadcasts.length;
    t.m.aliveNode(alive("a", 3, 2), 1);
    t.m.aliveNode(alive("a", 2, 2), 2);
    t.m.aliveNode({ ...alive("a", 3, 1), port: 7947 }, 3);
    // The same IPv4 address as 16 bytes (IPv4-mapped): memberlist compares the raw bytes.
    const mapped = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1]);
    t.m.aliveNode({ ...alive("a", 3, 1), addr: mapped }, 4);
    expect(conflicts).toEqual([
      "10.0.0.1:7946/10.0.0.2:7946",
      "10.0.0.1:7946/10.0.0.2:7946",
      "10.0.0.1:7946/10.0.0.1:7947",
      "10.0.0.1:7946/10.0.0.1:7946",
    ]);
    expect(t.m.nodes.get("a")).toEqual(known);
    expect(t.broadcasts.length).toBe(broadcasts);
  });

  it("stale alives at the known address are ignored whatever their meta, Vsn or port-0 form", () => {
    const t = setup();
    const asked: string[] = [];
    Object.assign(t.delegate, {
      notifyAlive: (peer: NodeView) => {
        asked.push(`${peer.name}@${peer.incarnation}`);
        return undefined;
      },
    });
    t.m.aliveNode(alive("a", 3, 1), 0);
    const known = { ...t.m.nodes.get("a")!, vsn: [...t.m.nodes.get("a")!.vsn] };
    const broadcasts = t.broadcasts.length;
    t.m.aliveNode(alive("a", 3, 1, new Uint8Array([9])), 1);
    t.m.aliveNode({ ...alive("a", 3, 1), vsn: Uint8Array.from([1, 5, 3, 2, 5, 4]) }, 2);
    t.m.aliveNode({ ...alive("a", 2, 1), vsn: Uint8Array.from([0, 0, 0, 0, 0, 0]) }, 3);
    t.m.aliveNode({ ...alive("a", 3, 1), vsn: new Uint8Array(0) }, 4);
    // Port 0 (protocol 1) means our port, which is a's.
    t.m.aliveNode({ ...alive("a", 1, 1), port: 0 }, 5);
    expect(t.m.nodes.get("a")).toEqual(known);
    expect(t.broadcasts.length).toBe(broadcasts);
    expect(t.delegate.updates).toEqual([]);
    expect(t.events).toEqual([]);
    // Such re-transmissions are not shown to the delegate; news is.
    expect(asked).toEqual(["a@3"]);
    t.m.aliveNode(alive("a", 4, 1), 6);
    expect(asked).toEqual(["a@3", "a@4"]);
    expect(t.m.nodes.get("a")?.incarnation).toBe(4);
  });

  it("port 0 stands for our port: a stale port-0 alive about a node at another port is a conflict", () => {
    const t = setup({ ...lanConfig(), deadNodeReclaimTimeMs: 1000 });
    const conflicts: string[] = [];
    t.delegate.notifyConflict = (existing, other) =>
      conflicts.push(`${existing.address.port}/${other.address.port}`);
    t.m.aliveNode({ ...alive("a", 3, 1), port: 7947 }, 0);
    t.m.aliveNode({ ...alive("a", 3, 1), port: 0 }, 1);
    t.m.aliveNode({ ...alive("a", 2, 1), port: 0 }, 2);
    expect(conflicts).toEqual(["7947/7946", "7947/7946"]);
    expect(t.m.nodes.get("a")?.address).toEqual({ host: "10.0.0.1", port: 7947 });
    // Left: a port-0 alive reclaims the name at our port, even at the same incarnation.
    t.m.deadNode(dead("a", 3, "a"), 3);
    t.m.aliveNode({ ...alive("a", 3, 1), port: 0 }, 4);
    expect(t.m.nodes.get("a")).toMatchObject({ state: "alive", address: { host: "10.0.0.1", port: 7946 } });
    expect(t.delegate.joins).toEqual(["self", "a", "a"]);
  });

  it("protocol 1: every alive's port is our port", () => {
    const t = setup({ ...lanConfig(), protocolVersion: 1 });
    const conflicts: string[] = [];
    t.delegate.notifyConflict = (existing) => conflicts.push(existing.name);
    t.m.aliveNode({ ...alive("a", 3, 1), port: 7000 }, 0);
    expect(t.m.nodes.get("a")?.address).toEqual({ host: "10.0.0.1", port: 7946 });
    const broadcasts = t.broadcasts.length;
    t.m.aliveNode({ ...alive("a", 3, 1), port: 7001 }, 1);
    t.m.aliveNode({ ...alive("a", 2, 1), port: 0 }, 2);
    expect(conflicts).toEqual([]);
    expect(t.broadcasts.length).toBe(broadcasts);
    t.m.aliveNode({ ...alive("a", 4, 1), port: 7002 }, 3);
    expect(t.m.nodes.get("a")).toMatchObject({ incarnation: 4, address: { port: 7946 } });
  });

  it("accepted alives keep the first six Vsn bytes; a new node without six gets zeros", () => {
    const t = setup();
    t.m.aliveNode({ ...alive("a", 1, 1), vsn: Uint8Array.from([1, 5, 3, 2, 5, 4, 9]) }, 0);
    const vsnA = t.m.nodes.get("a")?.vsn;
    expect(Array.isArray(vsnA)).toBe(true);
    expect(vsnA).toEqual([1, 5, 3, 2, 5, 4]);
    t.m.aliveNode({ ...alive("b", 1, 2), vsn: Uint8Array.from([1, 5, 3]) }, 0);
    expect(t.m.nodes.get("b")?.vsn).toEqual([0, 0, 0, 0, 0, 0]);
    // A newer alive without a full Vsn keeps the known one.
    t.m.aliveNode({ ...alive("a", 2, 1), vsn: new Uint8Array(0) }, 1);
    expect(t.m.nodes.get("a")).toMatchObject({ incarnation: 2, vsn: [1, 5, 3, 2, 5, 4] });
    t.m.aliveNode({ ...alive("a", 3, 1), vsn: Uint8Array.from([1, 5, 2, 2, 5, 5]) }, 2);
    expect(t.m.nodes.get("a")?.vsn).toEqual([1, 5, 2, 2, 5, 5]);
  });

  it("an alive about self at our incarnation is refuted if its Vsn differs; an older one is ignored", () => {
    const t = setup();
    const inc = t.m.self().incarnation;
    t.m.aliveNode({ ...alive("self", inc, 100), vsn: Uint8Array.from([1, 5, 3, 2, 5, 5]) }, 1);
    expect(t.m.self().incarnation).toBe(inc + 1);
    t.m.aliveNode(alive("self", inc + 1, 100), 2);
    t.m.aliveNode(alive("self", inc, 100, new Uint8Array([7])), 3);
    expect(t.m.self().incarnation).toBe(inc + 1);
    expect(t.m.self().vsn).toEqual([...VSN]);
    expect(t.events.filter((e) => e.kind === "refuted")).toHaveLength(1);
  });

  it("refutes suspect and dead about self with a higher incarnation, awareness +1, broadcast named by IP", () => {
    const t = setup();
    t.m.suspectNode(suspect("self", 1, "a"), 5);
    const me = t.m.self();
    expect(me.incarnation).toBe(2);
    expect(me.state).toBe("alive");
    expect(t.awareness.healthScore()).toBe(1);
    const last = t.broadcasts.at(-1)!;
    expect(last.name).toBe("10.0.0.100");
    expect(last.message).toMatchObject({ kind: "alive", node: "self", incarnation: 2 });
    // Accused at a far higher incarnation: jump past it.
    t.m.deadNode(dead("self", 10, "b"), 6);
    expect(t.m.self().incarnation).toBe(11);
    expect(t.awareness.healthScore()).toBe(2);
    expect(t.events.filter((e) => e.kind === "refuted")).toHaveLength(2);
    // An alive about self with other meta is refuted too; our own echo is not.
    t.m.aliveNode(alive("self", 11, 100, new Uint8Array([9])), 7);
    expect(t.m.self().incarnation).toBe(12);
    t.m.aliveNode(alive("self", 12, 100), 8);
    expect(t.m.self().incarnation).toBe(12);
  });

  it("suspect: ignored for unknown/old/non-alive; starts a timer; expiry declares dead from self", () => {
    const t = setup();
    t.m.suspectNode(suspect("ghost", 1, "a"), 0);
    t.m.aliveNode(alive("a", 3, 1), 0);
    t.m.suspectNode(suspect("a", 2, "b"), 0);
    expect(t.m.nodes.get("a")?.state).toBe("alive");
    t.m.suspectNode(suspect("a", 3, "b"), 1000);
    expect(t.m.nodes.get("a")?.state).toBe("suspect");
    expect(t.events.find((e) => e.kind === "memberSuspected")).toMatchObject({ from: "b" });
    // n = 2 -> k = 0 -> min = 4 s.
    t.calendar.runDue(4999);
    expect(t.m.nodes.get("a")?.state).toBe("suspect");
    t.calendar.runDue(5000);
    expect(t.m.nodes.get("a")?.state).toBe("dead");
    expect(t.broadcasts.at(-1)?.message).toEqual(dead("a", 3, "self"));
    expect(t.delegate.leaves).toEqual([{ name: "a", state: "dead" }]);
  });

  it("suspicion with k confirmations: max without, min with all k, never before min", () => {
    const t = setup();
    for (let i = 1; i <= 9; i++) t.m.aliveNode(alive(`n${i}`, 1, i), 0);
    // n = 10, LAN: min 4 s, max 24 s, k = 2.
    t.m.suspectNode(suspect("n1", 1, "n2"), 0);
    t.m.suspectNode(suspect("n3", 1, "n2"), 0);
    expect(t.m.suspicionOf("n1")?.deadlineMs()).toBe(24000);
    // The accuser repeating itself is not a confirmation and is not re-gossiped.
    const before = t.broadcasts.length;
    t.m.suspectNode(suspect("n1", 1, "n2"), 100);
    expect(t.broadcasts.length).toBe(before);
    t.m.suspectNode(suspect("n1", 1, "n4"), 100);
    expect(t.broadcasts.length).toBe(before + 1);
    expect(t.m.suspicionOf("n1")?.deadlineMs()).toBe(100 + 11381 - 100);
    t.m.suspectNode(suspect("n1", 1, "n5"), 200);
    expect(t.m.suspicionOf("n1")?.deadlineMs()).toBe(4000);
    t.calendar.runDue(3999);
    expect(t.m.nodes.get("n1")?.state).toBe("suspect");
    t.calendar.runDue(4000);
    expect(t.m.nodes.get("n1")?.state).toBe("dead");
    // n3 had no confirmations: still suspect until 24 s.
    t.calendar.runDue(23999);
    expect(t.m.nodes.get("n3")?.state).toBe("suspect");
    t.calendar.runDue(24000);
    expect(t.m.nodes.get("n3")?.state).toBe("dead");
  });

  it("an alive with a newer incarnation clears the suspicion", () => {
    const t = setup();
    t.m.aliveNode(alive("a", 1, 1), 0);
    t.m.suspectNode(suspect("a", 1, "b"), 0);
    t.m.aliveNode(alive("a", 2, 1), 10);
    expect(t.m.activeSuspicions()).toBe(0);
    t.calendar.runDue(100_000);
    expect(t.m.nodes.get("a")?.state).toBe("alive");
  });

  it("dead: From == Node means left; ignored when already dead or older", () => {
    const t = setup();
    t.m.aliveNode(alive("a", 2, 1), 0);
    t.m.aliveNode(alive("b", 2, 2), 0);
    t.m.deadNode(dead("a", 1, "x"), 1);
    expect(t.m.nodes.get("a")?.state).toBe("alive");
    t.m.deadNode(dead("a", 2, "a"), 2);
    t.m.deadNode(dead("b", 2, "x"), 2);
    expect(t.m.nodes.get("a")?.state).toBe("left");
    expect(t.m.nodes.get("b")?.state).toBe("dead");
    t.m.deadNode(dead("b", 3, "y"), 3);
    expect(t.delegate.leaves).toHaveLength(2);
  });

  it("while leaving: dead about self is accepted (left) and alive about self is ignored", () => {
    const t = setup();
    t.setLeaving(true);
    t.m.deadNode(dead("self", 1, "self"), 1);
    expect(t.m.self().state).toBe("left");
    t.m.aliveNode(alive("self", 50, 100), 2);
    expect(t.m.self().state).toBe("left");
    expect(t.m.self().incarnation).toBe(1);
  });

  it("push/pull merge: alive as alive, left as left, dead as SUSPECT, suspect as suspect from self", () => {
    const t = setup();
    t.m.aliveNode(alive("d", 1, 4), 0);
    t.m.aliveNode(alive("s", 1, 5), 0);
    t.m.aliveNode(alive("l", 1, 6), 0);
    const ps = (name: string, ip: number, state: 0 | 1 | 2 | 3, incarnation = 1): PushNodeState => ({
      name,
      addr: Uint8Array.from([10, 0, 0, ip]),
      port: 7946,
      meta: new Uint8Array([0xff, 0x80]),
      incarnation,
      state,
      vsn: VSN,
    });
    t.m.mergeState([ps("new", 7, 0), ps("d", 4, 2), ps("s", 5, 1), ps("l", 6, 3)], 10);
    expect(t.m.nodes.get("new")?.state).toBe("alive");
    expect(t.m.nodes.get("d")?.state).toBe("suspect");
    expect(t.m.nodes.get("s")?.state).toBe("suspect");
    expect(t.m.nodes.get("l")?.state).toBe("left");
    const suspects = t.events.filter((e) => e.kind === "memberSuspected");
    expect(suspects.map((e) => (e.kind === "memberSuspected" ? e.from : ""))).toEqual(["self", "self"]);
  });

  it("verifyProtocol refuses incompatible versions", () => {
    const t = setup({ ...lanConfig() });
    t.m.aliveNode(alive("a", 1, 1), 0);
    const remote = (vsn: number[]): PushNodeState[] => [
      {
        name: "r",
        addr: Uint8Array.from([10, 0, 0, 9]),
        port: 1,
        meta: new Uint8Array(),
        incarnation: 1,
        state: 0,
        vsn: Uint8Array.from(vsn),
      },
    ];
    expect(t.m.verifyProtocol(remote([1, 5, 2, 2, 5, 5]))).toBeUndefined();
    expect(t.m.verifyProtocol(remote([3, 5, 3, 2, 5, 5]))).toMatch(/protocol version \(2\)/);
    expect(t.m.verifyProtocol(remote([1, 5, 2, 2, 5, 1]))).toMatch(/delegate protocol version \(1\)/);
  });

  it("probe order: random insertion, skips self/dead/left, reaps the long-dead at wrap-around", () => {
    const t = setup();
    for (let i = 1; i <= 4; i++) t.m.aliveNode(alive(`n${i}`, 1, i), 0);
    t.m.deadNode(dead("n2", 1, "x"), 0);
    const rng = createRng(SEED);
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      const target = t.m.nodes.nextProbeTarget("self", 1000, 30_000, rng, () => {});
      seen.push(target!.name);
    }
    expect(new Set(seen.slice(0, 3))).toEqual(new Set(["n1", "n3", "n4"]));
    expect(seen).not.toContain("n2");
    expect(t.m.nodes.size()).toBe(5);
    const reaped: string[] = [];
    for (let i = 0; i < 4; i++)
      t.m.nodes.nextProbeTarget("self", 40_000, 30_000, rng, (n) => reaped.push(n.name));
    expect(reaped).toEqual(["n2"]);
    expect(t.m.nodes.size()).toBe(4);
  });
});
