import { describe, expect, it } from "vitest";

import { TransmitLimitedQueue, retransmitLimit } from "../../../src/swim/core/broadcast-queue.js";

const msg = (len: number, tag = 0): Uint8Array => new Uint8Array(len).fill(tag);

describe("retransmitLimit", () => {
  it("is retransmitMult × ceil(log10(N+1)) (PROTOCOL.md 2.2 table)", () => {
    expect(retransmitLimit(4, 3)).toBe(4);
    expect(retransmitLimit(4, 10)).toBe(8);
    expect(retransmitLimit(4, 100)).toBe(12);
    expect(retransmitLimit(4, 1000)).toBe(16);
    expect(retransmitLimit(4, 10000)).toBe(20);
    expect(retransmitLimit(2, 100)).toBe(6);
    expect(retransmitLimit(4, 0)).toBe(0);
  });
});

describe("TransmitLimitedQueue", () => {
  it("spends a message's transmits on distinct peers before repeating one, and no more of them", () => {
    // Limit 4 (N = 4 nodes: self and peers a, b, c).
    const q = new TransmitLimitedQueue(4, () => 4);
    const m = msg(10, 1);
    q.queue(m);
    const to = (key: string): Uint8Array[] => q.getBroadcasts(0, 100, undefined, Infinity, { key, peers: 3 });
    expect(to("a")).toEqual([m]);
    // memberlist would send it to a again; it waits for a peer that has not had it.
    expect(to("a")).toEqual([]);
    expect(to("b")).toEqual([m]);
    expect(to("b")).toEqual([]);
    expect(to("c")).toEqual([m]);
    // Every peer had it: the next pass may repeat, up to the transmit limit.
    expect(to("a")).toEqual([m]);
    expect(q.size()).toBe(0);
    expect(to("b")).toEqual([]);
  });

  it("counts the peer a re-broadcast was heard from as reached, without spending a transmit", () => {
    // Limit 2 (N = 4, retransmitMult 2): heard from a, so b and c get it, and a never does.
    const q = new TransmitLimitedQueue(2, () => 4);
    const m = msg(10, 1);
    q.queue(m, { heardFrom: "a" });
    const to = (key: string): Uint8Array[] => q.getBroadcasts(0, 100, undefined, Infinity, { key, peers: 3 });
    expect(to("a")).toEqual([]);
    expect(to("b")).toEqual([m]);
    expect(to("a")).toEqual([]);
    expect(to("c")).toEqual([m]);
    expect(q.size()).toBe(0);
  });

  it("passes over a message already sent to the recipient, still taking the others", () => {
    const q = new TransmitLimitedQueue(4, () => 10);
    const big = msg(20, 1);
    const small = msg(10, 2);
    q.queue(small);
    q.queue(big);
    const peer = { key: "10.0.0.2:7946", peers: 9 };
    expect(q.getBroadcasts(0, 20, undefined, Infinity, peer)).toEqual([big]);
    expect(q.getBroadcasts(0, 100, undefined, Infinity, peer)).toEqual([small]);
    expect(q.getBroadcasts(0, 100, undefined, Infinity, { key: "10.0.0.3:7946", peers: 9 })).toEqual([
      big,
      small,
    ]);
  });

  it("orders by fewest transmits, then larger, then newer", () => {
    const q = new TransmitLimitedQueue(4, () => 10);
    const a = msg(10, 1);
    const b = msg(20, 2);
    const c = msg(10, 3);
    q.queue(a);
    q.queue(b);
    q.queue(c);
    expect(q.entries().map((e) => e.message)).toEqual([b, c, a]);
    // Take just one (room for 20 bytes): the largest.
    expect(q.getBroadcasts(0, 20)).toEqual([b]);
    // b has one transmit now and goes behind the fresh ones.
    expect(q.entries().map((e) => [e.transmits, e.message[0]])).toEqual([
      [0, 3],
      [0, 1],
      [1, 2],
    ]);
  });

  it("fills a packet with the largest fitting message, tier by tier, never twice per call", () => {
    const q = new TransmitLimitedQueue(4, () => 10);
    const big = msg(100, 1);
    const mid = msg(50, 2);
    const small = msg(10, 3);
    q.queue(big);
    q.queue(mid);
    q.queue(small);
    // overhead 2: big (102) does not fit in 70, mid (52) does, then small (12) fits in the rest.
    expect(q.getBroadcasts(2, 70)).toEqual([mid, small]);
    // Now tier 0 holds only big; tier 1 holds mid and small.
    expect(q.getBroadcasts(2, 200)).toEqual([big, mid, small].filter((m) => m !== small).concat([small]));
  });

  it("drops a message after the retransmit limit and calls onFinished once", () => {
    let n = 3; // limit 4
    const q = new TransmitLimitedQueue(4, () => n);
    let finished = 0;
    q.queue(msg(5), { onFinished: () => finished++ });
    for (let i = 0; i < 4; i++) expect(q.getBroadcasts(0, 100)).toHaveLength(1);
    expect(q.size()).toBe(0);
    expect(finished).toBe(1);
    expect(q.getBroadcasts(0, 100)).toHaveLength(0);
    // The limit is read per call: a bigger cluster transmits more.
    n = 10; // limit 8
    q.queue(msg(5));
    let sent = 0;
    while (q.getBroadcasts(0, 100).length > 0) sent++;
    expect(sent).toBe(8);
  });

  it("named messages invalidate each other; unnamed never do", () => {
    const q = new TransmitLimitedQueue(4, () => 10);
    const finished: string[] = [];
    q.queue(msg(5, 1), { name: "n1", onFinished: () => finished.push("old") });
    q.queue(msg(5, 2), { name: "n2" });
    q.queue(msg(5, 3), { name: "n1", onFinished: () => finished.push("new") });
    q.queue(msg(5, 4));
    q.queue(msg(5, 4));
    expect(q.size()).toBe(4);
    expect(finished).toEqual(["old"]);
    expect(q.has("n1")).toBe(true);
    const tags = q.entries().map((e) => e.message[0]);
    expect(tags).not.toContain(1);
    expect(tags.filter((t) => t === 4)).toHaveLength(2);
    // Invalidation also works after the named message was transmitted once (tier 1).
    q.getBroadcasts(0, 1000);
    q.queue(msg(6, 5), { name: "n1" });
    expect(finished).toEqual(["old", "new"]);
    expect(
      q
        .entries()
        .filter((e) => e.name === "n1")
        .map((e) => e.message[0]),
    ).toEqual([5]);
  });

  it("invalidate drops a named message, queued or already transmitted, and nothing else", () => {
    const q = new TransmitLimitedQueue(4, () => 10);
    const finished: string[] = [];
    q.queue(msg(5, 1), { name: "a#1", onFinished: () => finished.push("a#1") });
    q.queue(msg(5, 2), { name: "a#2", onFinished: () => finished.push("a#2") });
    q.queue(msg(5, 3));
    q.getBroadcasts(0, 5); // one of them moves to tier 1
    expect(q.invalidate("a#1")).toBe(true);
    expect(q.invalidate("a#2")).toBe(true);
    expect(q.invalidate("a#2")).toBe(false);
    expect(q.invalidate("missing")).toBe(false);
    expect(finished.sort()).toEqual(["a#1", "a#2"]);
    expect(q.size()).toBe(1);
    expect(q.has("a#1") || q.has("a#2")).toBe(false);
    expect(q.getBroadcasts(0, 1000).map((m) => m[0])).toEqual([3]);
  });

  it("prune drops the most transmitted, then smallest, oldest", () => {
    const q = new TransmitLimitedQueue(10, () => 100);
    const dropped: number[] = [];
    for (let i = 1; i <= 5; i++) q.queue(msg(i, i), { onFinished: () => dropped.push(i) });
    q.getBroadcasts(0, 5); // transmits message 5 (largest fitting)
    q.prune(3);
    expect(dropped).toEqual([5, 1]);
    expect(q.size()).toBe(3);
    q.reset();
    expect(dropped.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(q.size()).toBe(0);
  });

  it("respects the skip set", () => {
    const q = new TransmitLimitedQueue(4, () => 10);
    const a = msg(10, 1);
    const b = msg(10, 2);
    q.queue(a);
    q.queue(b);
    expect(q.getBroadcasts(0, 100, new Set([b]))).toEqual([a]);
  });

  it("stays cheap on a big queue (no per-call sort)", () => {
    const q = new TransmitLimitedQueue(4, () => 10_000);
    for (let i = 0; i < 10_000; i++) q.queue(msg(40 + (i % 50), i & 0xff), { name: `n${i}` });
    const start = performance.now();
    let picked = 0;
    for (let i = 0; i < 500; i++) picked += q.getBroadcasts(2, 1400).length;
    const elapsed = performance.now() - start;
    expect(picked).toBeGreaterThan(500 * 10);
    expect(elapsed).toBeLessThan(2_000);
  });

  it("takes at most maxCount messages, and tells the length of the next one", () => {
    const q = new TransmitLimitedQueue(4, () => 10);
    expect(q.nextLength()).toBeUndefined();
    q.queue(msg(10, 1));
    q.queue(msg(30, 2));
    q.queue(msg(20, 3));
    expect(q.nextLength()).toBe(30);
    expect(q.getBroadcasts(0, 1_000, undefined, 1)).toEqual([msg(30, 2)]);
    expect(q.nextLength()).toBe(20); // fresh ones first
    expect(q.getBroadcasts(0, 1_000, undefined, 2)).toHaveLength(2);
    expect(q.nextLength()).toBe(30);
  });
});
