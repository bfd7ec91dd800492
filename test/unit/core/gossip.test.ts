import { describe, expect, it } from "vitest";

import { TransmitLimitedQueue } from "../../../src/swim/core/broadcast-queue.js";
import { COMPOUND_PART_OVERHEAD, gossipTargets, takeBroadcasts } from "../../../src/swim/core/gossip.js";
import type { NodeRecord } from "../../../src/swim/core/node-list.js";
import { createRng } from "../../../src/swim/core/rng.js";
import type { NodeStateName } from "../../../src/swim/core/status.js";
import { RecordingDelegate } from "./recording-delegate.js";

const SEED = Number(process.env["TEST_SEED"] ?? 7);

/** A membership queue swamped by churn: 200 distinct 80-byte alive/suspect/dead messages. */
function churnQueue(): TransmitLimitedQueue {
  const q = new TransmitLimitedQueue(4, () => 1000);
  for (let i = 0; i < 200; i++) q.queue(new Uint8Array(80).fill(4), { name: `node-${i}` });
  return q;
}

function userMsgs(count: number, size: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => new Uint8Array(size).fill(i & 0xff));
}

const budget = 1400 - 2;
const cost = (msgs: Uint8Array[]): number => msgs.reduce((s, m) => s + COMPOUND_PART_OVERHEAD + m.length, 0);

describe("takeBroadcasts fairness (memberlist#299)", () => {
  it("without a reserve, membership churn starves delegate broadcasts (memberlist behaviour)", () => {
    const q = churnQueue();
    const d = new RecordingDelegate();
    d.pending = userMsgs(20, 60);
    for (let packet = 0; packet < 50; packet++) takeBroadcasts(q, d, COMPOUND_PART_OVERHEAD, budget, 0);
    expect(d.handedOut).toHaveLength(0);
  });

  it("with a reserve, every packet carries delegate broadcasts while they are queued", () => {
    const q = churnQueue();
    const d = new RecordingDelegate();
    d.pending = userMsgs(20, 60);
    const packets: Uint8Array[][] = [];
    for (let i = 0; i < 4; i++) packets.push(takeBroadcasts(q, d, COMPOUND_PART_OVERHEAD, budget, 350));
    for (const [i, p] of packets.entries()) {
      expect(cost(p)).toBeLessThanOrEqual(budget);
      const user = p.filter((m) => m[0] === 8);
      // The reserve (plus slack) fits six 61-byte framed user messages (+2 overhead each),
      // until the 20 queued ones run out in the fourth packet.
      expect(user.length).toBe(i < 3 ? 6 : 2);
      // Membership still gets the rest of the packet.
      expect(p.length - user.length).toBeGreaterThanOrEqual(12);
    }
    expect(d.handedOut).toHaveLength(20);
  });

  it("gives unused reserve back to membership messages, without repeating one in a packet", () => {
    const q = churnQueue();
    const d = new RecordingDelegate();
    d.pending = userMsgs(1, 30);
    d.hasBroadcasts = () => true; // claims to have more than it really has
    const p = takeBroadcasts(q, d, COMPOUND_PART_OVERHEAD, budget, 350);
    const membership = p.filter((m) => m[0] !== 8);
    expect(p.filter((m) => m[0] === 8)).toHaveLength(1);
    expect(new Set(membership).size).toBe(membership.length);
    // 1398 - 33 (user) = 1365 → 16 membership messages of 82 bytes.
    expect(membership).toHaveLength(16);
  });

  it("with no delegate broadcasts queued, the reserve is not held back", () => {
    const q = churnQueue();
    const d = new RecordingDelegate();
    const p = takeBroadcasts(q, d, COMPOUND_PART_OVERHEAD, budget, 350);
    expect(p).toHaveLength(Math.floor(budget / 82));
  });

  it("holds back only what the delegate asks for (reserveBytes), never more than the cap", () => {
    const q = churnQueue();
    const d = new RecordingDelegate();
    d.pending = userMsgs(1, 100);
    const asked: number[] = [];
    d.reserveBytes = (overhead: number, cap: number): number => {
      asked.push(cap);
      return overhead + 100;
    };
    const p = takeBroadcasts(q, d, COMPOUND_PART_OVERHEAD, budget, 600);
    expect(asked).toEqual([600]);
    expect(p.filter((m) => m[0] === 8)).toHaveLength(1);
    // 1398 - 103 (user) = 1295 → 15 membership messages of 82 bytes, not 9 as a full reserve allows.
    expect(p.filter((m) => m[0] !== 8)).toHaveLength(15);
    d.pending = userMsgs(1, 100);
    d.reserveBytes = (): number => 5_000; // greedy: clamped to the cap
    const greedy = takeBroadcasts(churnQueue(), d, COMPOUND_PART_OVERHEAD, budget, 600);
    expect(cost(greedy.filter((m) => m[0] !== 8))).toBeGreaterThanOrEqual(budget - 600 - 82);
  });

  it("membership messages are not starved by a flood of delegate messages either", () => {
    const q = new TransmitLimitedQueue(4, () => 10);
    q.queue(new Uint8Array(80).fill(4), { name: "x" });
    const d = new RecordingDelegate();
    d.pending = userMsgs(100, 100);
    const p = takeBroadcasts(q, d, COMPOUND_PART_OVERHEAD, budget, 350);
    expect(p.filter((m) => m[0] === 4)).toHaveLength(1);
  });
});

describe(`gossipTargets (seed ${SEED})`, () => {
  const rec = (name: string, state: NodeStateName, stateChangeMs = 0): NodeRecord => ({
    name,
    address: { host: "10.0.0.1", port: 1 },
    addrBytes: new Uint8Array(4),
    meta: new Uint8Array(),
    incarnation: 1,
    state,
    stateChangeMs,
    vsn: [1, 5, 2, 2, 5, 5],
  });

  it("picks alive, suspect and recently dead peers; never self, left or long dead", () => {
    const nodes = [
      rec("self", "alive"),
      rec("a", "alive"),
      rec("s", "suspect"),
      rec("d", "dead", 1000),
      rec("old", "dead", 0),
      rec("l", "left", 30_000),
    ];
    const rng = createRng(SEED);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      for (const n of gossipTargets(nodes, "self", 3, 30_000, 30_500, rng)) seen.add(n.name);
    }
    expect(seen).toEqual(new Set(["a", "s", "d"]));
  });
});
