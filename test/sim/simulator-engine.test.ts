/**
 * The simulator's own mechanics (timers, datagrams, streams, pause, crash, partition,
 * determinism), driven by a deliberately tiny SwimNode so each effect is visible. The protocol
 * itself is exercised with the real core in the other files of this directory.
 */
import { describe, expect, it } from "vitest";
import type { Address, DialFailure, Directive, SwimNode } from "../../src/swim/core/api.js";
import type { NodeFactoryArgs } from "../../src/swim/sim/simulator.js";
import { Simulator } from "../../src/swim/sim/simulator.js";
import { replayHint, simSeed } from "./sim-seed.js";

const FILE = "test/sim/simulator-engine.test.ts";
const seed = simSeed(7);
const hint = replayHint(seed, FILE);

/** Sends a 1-byte tick to its peer every 100 ms; answers streams with the bytes reversed. */
class TickNode implements SwimNode {
  readonly name: string;
  peer: Address | undefined;
  next = 100;
  readonly timerCalls: number[] = [];
  readonly received: { at: number; from: string; byte: number }[] = [];
  readonly streamResults: { at: number; id: number; outcome: string }[] = [];
  private counter = 0;
  private nextStream = 1;

  constructor(args: NodeFactoryArgs) {
    this.name = args.name;
  }
  nextDeadline(): number | undefined {
    return this.peer === undefined ? undefined : this.next;
  }
  onTimer(nowMs: number): readonly Directive[] {
    this.timerCalls.push(nowMs);
    if (this.peer === undefined || nowMs < this.next) return [];
    this.next += 100;
    return [{ kind: "send", to: this.peer, bytes: Uint8Array.of(this.counter++ & 255) }];
  }
  onPacket(from: Address, bytes: Uint8Array, nowMs: number): readonly Directive[] {
    this.received.push({ at: nowMs, from: from.host, byte: bytes[0]! });
    return [];
  }
  onStream(streamId: number, _from: Address, bytes: Uint8Array): readonly Directive[] {
    return [{ kind: "reply", streamId, bytes: Uint8Array.from(bytes).reverse() }];
  }
  onStreamReply(streamId: number, bytes: Uint8Array, nowMs: number): readonly Directive[] {
    this.streamResults.push({ at: nowMs, id: streamId, outcome: `reply:${Array.from(bytes).join(",")}` });
    return [];
  }
  onStreamFailed(streamId: number, failure: DialFailure, nowMs: number): readonly Directive[] {
    this.streamResults.push({ at: nowMs, id: streamId, outcome: `failed:${failure.reason}` });
    return [];
  }
  onLocalDelay(): readonly Directive[] {
    return [];
  }
  deferInbound(): void {}
  inboundPending(): number {
    return 0;
  }
  onInbound(): readonly Directive[] {
    return [];
  }
  join(seeds: readonly Address[]): readonly Directive[] {
    return seeds.map((to) => ({
      kind: "dial",
      streamId: this.nextStream++,
      to,
      bytes: Uint8Array.of(1, 2, 3),
      expectReply: true,
      timeoutMs: 1_000,
    }));
  }
  leave(): readonly Directive[] {
    return [{ kind: "event", event: { kind: "leaveCompleted" } }];
  }
  setTags(): readonly Directive[] {
    return [];
  }
  userEvent(): readonly Directive[] {
    return [];
  }
  query(): { readonly id: number; readonly directives: readonly Directive[] } {
    return { id: 0, directives: [] };
  }
  respond(): readonly Directive[] {
    return [];
  }
  forceLeave(): readonly Directive[] {
    return [];
  }
  members(): [] {
    return [];
  }
  healthScore(): number {
    return 0;
  }
  clocks(): { member: number; event: number; query: number } {
    return { member: 1, event: 1, query: 1 };
  }
}

function setup(link = {}): { sim: Simulator; nodes: TickNode[] } {
  const nodes: TickNode[] = [];
  const sim = new Simulator({
    seed,
    testFile: FILE,
    link,
    createNode: (args) => {
      const node = new TickNode(args);
      nodes.push(node);
      return node;
    },
  });
  sim.addNodes(3);
  return { sim, nodes };
}

describe("Simulator engine", () => {
  it("fires each node's timer at its deadline and delivers datagrams after the link latency", () => {
    const { sim, nodes } = setup({ baseLatencyMs: 5, jitterMs: 0 });
    nodes[0]!.peer = sim.node(1).address;
    sim.join(0, []); // the peer was set behind the simulator's back: any input re-arms the timer
    sim.runUntil(1_000);
    expect(nodes[0]!.timerCalls.slice(0, 3), hint).toEqual([100, 200, 300]);
    expect(nodes[1]!.received.slice(0, 3).map((r) => r.at)).toEqual([105, 205, 305]);
    expect(nodes[1]!.received.every((r) => r.from === sim.node(0).address.host)).toBe(true);
    expect(sim.node(0).stats.packetsSent).toBe(10);
    expect(sim.node(1).stats.bytesReceived).toBe(9); // the 1,000 ms tick lands at 1,005
  });

  it("a paused node runs no timers, its kernel buffers datagrams, and both resume in order", () => {
    const { sim, nodes } = setup({ baseLatencyMs: 1, jitterMs: 0 });
    nodes[0]!.peer = sim.node(1).address;
    nodes[1]!.peer = sim.node(0).address;
    sim.join(0, []);
    sim.join(1, []);
    sim.at(250, () => sim.pause(1));
    sim.at(750, () => sim.resume(1));
    sim.runUntil(1_000);
    const timers = nodes[1]!.timerCalls;
    expect(
      timers.filter((t) => t > 250 && t < 750),
      hint,
    ).toEqual([]);
    // On resume: overdue timers run once at 750, after the buffered datagrams are read.
    const atResume = nodes[1]!.received.filter((r) => r.at === 750).map((r) => r.byte);
    expect(atResume).toEqual([2, 3, 4, 5, 6]);
    expect(timers).toContain(750);
    expect(nodes[1]!.received.map((r) => r.byte)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]); // the 1,000 ms tick lands at 1,001
  });

  it("streams get the listener's reply, a refusal from a crashed host, or a timeout across a partition", () => {
    const { sim, nodes } = setup({ baseLatencyMs: 2, jitterMs: 0 });
    sim.join(0, [1]);
    sim.runUntil(100);
    expect(nodes[0]!.streamResults, hint).toEqual([{ at: 8, id: 1, outcome: "reply:3,2,1" }]);
    sim.crash(2);
    sim.join(0, [2]);
    sim.runUntil(200);
    expect(nodes[0]!.streamResults[1]).toEqual({ at: 104, id: 2, outcome: "failed:connection refused" });
    sim.partition([[0], [1]]);
    sim.join(0, [1]);
    sim.runUntil(2_000);
    expect(nodes[0]!.streamResults[2]).toEqual({ at: 1_200, id: 3, outcome: "failed:i/o timeout" });
  });

  it("a stream to a paused node is answered on resume if the dialer is still waiting", () => {
    const { sim, nodes } = setup({ baseLatencyMs: 2, jitterMs: 0 });
    sim.pause(1);
    sim.join(0, [1]);
    sim.at(500, () => sim.resume(1));
    sim.runUntil(2_000);
    expect(nodes[0]!.streamResults, hint).toEqual([{ at: 502, id: 1, outcome: "reply:3,2,1" }]);
  });

  it("replays identically from the same seed (loss, duplication and jitter included)", () => {
    const run = (): string => {
      const { sim, nodes } = setup({ loss: 0.2, duplicate: 0.1, jitterMs: 3 });
      nodes[0]!.peer = sim.node(1).address;
      nodes[2]!.peer = sim.node(1).address;
      sim.join(0, []);
      sim.join(2, []);
      sim.runUntil(5_000);
      return JSON.stringify(nodes[1]!.received);
    };
    const first = run();
    expect(JSON.parse(first).length).toBeGreaterThan(60);
    expect(run(), hint).toBe(first);
  });
});
