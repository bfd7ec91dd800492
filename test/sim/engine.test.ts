import { describe, expect, it } from "vitest";
import { createRng } from "../../src/swim/core/rng.js";
import { EventQueue } from "../../src/swim/sim/event-queue.js";
import { Network } from "../../src/swim/sim/network.js";
import { replayHint, simSeed } from "./sim-seed.js";

const FILE = "test/sim/engine.test.ts";
const seed = simSeed(20_260_101);
const hint = replayHint(seed, FILE);

describe("EventQueue", () => {
  it("pops in (time, insertion) order, ties in insertion order", () => {
    const rng = createRng(seed);
    const queue = new EventQueue<number>();
    const pushed: { time: number; id: number }[] = [];
    for (let id = 0; id < 5_000; id++) {
      // Few distinct times, so ties are common.
      const time = rng.int(50);
      queue.push(time, id);
      pushed.push({ time, id });
    }
    const expected = [...pushed].sort((a, b) => a.time - b.time || a.id - b.id).map((p) => p.id);
    const popped: number[] = [];
    while (queue.size > 0) popped.push(queue.pop()!.value);
    expect(popped, hint).toEqual(expected);
    expect(queue.pop()).toBeUndefined();
  });

  it("interleaves pushes and pops correctly", () => {
    const rng = createRng(seed + 1);
    const queue = new EventQueue<number>();
    let now = 0;
    let last = -1;
    let lastSeq = -1;
    for (let i = 0; i < 20_000; i++) {
      if (rng.next() < 0.6) queue.push(now + rng.next() * 10, i);
      else {
        const entry = queue.pop();
        if (entry === undefined) continue;
        expect(entry.timeMs >= last, hint).toBe(true);
        if (entry.timeMs === last) expect(entry.seq > lastSeq).toBe(true);
        last = entry.timeMs;
        lastSeq = entry.seq;
        now = entry.timeMs;
      }
    }
  });
});

describe("Network", () => {
  it("loses and duplicates datagrams at the configured rates, deterministically", () => {
    const run = (): { lost: number; dup: number; latencies: number[] } => {
      const net = new Network<never>(createRng(seed), {
        loss: 0.1,
        duplicate: 0.05,
        baseLatencyMs: 2,
        jitterMs: 3,
      });
      let lost = 0;
      let dup = 0;
      const latencies: number[] = [];
      for (let i = 0; i < 20_000; i++) {
        const copies = net.datagram(0, 1);
        if (copies.length === 0) lost++;
        if (copies.length === 2) dup++;
        latencies.push(...copies);
      }
      return { lost, dup, latencies };
    };
    const a = run();
    // 20,000 draws: the standard deviation of the loss count is ~42, of duplicates ~29.
    expect(a.lost / 20_000, hint).toBeGreaterThan(0.09);
    expect(a.lost / 20_000, hint).toBeLessThan(0.11);
    expect(a.dup / 18_000, hint).toBeGreaterThan(0.04);
    expect(a.dup / 18_000, hint).toBeLessThan(0.06);
    expect(Math.min(...a.latencies)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...a.latencies)).toBeLessThan(5);
    const mean = a.latencies.reduce((s, x) => s + x, 0) / a.latencies.length;
    expect(mean, hint).toBeCloseTo(3.5, 1);
    // Same seed, same fates.
    expect(run()).toEqual(a);
  });

  it("partitions block both datagrams and streams until healed", () => {
    const net = new Network<never>(createRng(seed));
    net.partition([
      [0, 1],
      [2, 3],
    ]);
    expect(net.canReach(0, 1)).toBe(true);
    expect(net.canReach(0, 2)).toBe(false);
    expect(net.canReach(4, 0)).toBe(false); // unlisted nodes are a group of their own
    expect(net.canReach(4, 5)).toBe(true);
    expect(net.datagram(1, 3)).toEqual([]);
    expect(net.stream(1, 3).kind).toBe("unreachable");
    expect(net.stream(0, 1).kind).toBe("connected");
    net.heal();
    expect(net.datagram(1, 3)).toHaveLength(1);
    expect(net.stream(1, 3).kind).toBe("connected");
  });

  it("refuses streams to crashed nodes and bounds a paused node's buffer", () => {
    const net = new Network<string>(createRng(seed), {}, 1_000);
    net.setCondition(2, "crashed");
    const refused = net.stream(0, 2);
    expect(refused.kind).toBe("refused");
    net.setCondition(3, "paused");
    expect(net.bufferForPaused(3, "a", 600)).toBe(true);
    expect(net.bufferForPaused(3, "b", 600)).toBe(false);
    expect(net.bufferForPaused(3, "c", 400)).toBe(true);
    expect(net.drainBuffer(3)).toEqual(["a", "c"]);
    expect(net.drainBuffer(3)).toEqual([]);
  });

  it("TCP under loss: no segment is lost for good, each loss costs a retransmission timeout", () => {
    const connect = (loss: number, requestBytes: number): number[] => {
      const net = new Network<never>(createRng(seed), { loss, baseLatencyMs: 1, jitterMs: 0 });
      const out: number[] = [];
      for (let i = 0; i < 4_000; i++) {
        const outcome = net.stream(0, 1, requestBytes);
        if (outcome.kind !== "connected") throw new Error(outcome.kind);
        out.push(outcome.latencyMs);
      }
      return out;
    };
    // No loss: SYN, SYN-ACK, request, 1 ms each, whatever the size.
    expect(new Set(connect(0, 50_000))).toEqual(new Set([3]));
    // 10 % loss, one-segment request: three segments, each lost with p = 0.1 and retransmitted
    // after 1 s, then 2 s, ... So the extra delay is a sum of RTO multiples, and about
    // 1 − 0.9³ = 27 % of connects take at least a second longer.
    const small = connect(0.1, 100);
    for (const ms of small) expect(Number.isInteger(ms - 3) && (ms - 3) % 1_000 === 0, `${ms}`).toBe(true);
    const slow = small.filter((ms) => ms >= 1_003).length / small.length;
    expect(slow, hint).toBeGreaterThan(0.24);
    expect(slow, hint).toBeLessThan(0.3);
    expect(
      small.some((ms) => ms >= 3_003),
      "a doubled RTO (1 s + 2 s) somewhere",
    ).toBe(true);
    // A 20-segment request is slow whenever any of its segments is lost (max, not sum).
    const large = connect(0.1, 20 * 1_448);
    const largeSlow = large.filter((ms) => ms >= 1_003).length / large.length;
    expect(largeSlow, hint).toBeGreaterThan(0.85);
    expect(Math.max(...large), hint).toBeLessThan(64_000);
    // The reply direction too.
    const net = new Network<never>(createRng(seed), { loss: 0.5, baseLatencyMs: 1, jitterMs: 0 });
    expect(net.streamTransfer(1, 0, 10).toString()).toMatch(/^(1|1001|3001|7001|15001|31001|63001)$/);
    expect(net.droppedSegments).toBeGreaterThanOrEqual(0);
  });

  it("per-link overrides apply to one direction only", () => {
    const net = new Network<never>(createRng(seed));
    net.setLink(0, 1, { loss: 1 });
    expect(net.datagram(0, 1)).toEqual([]);
    expect(net.datagram(1, 0)).toHaveLength(1);
  });
});
