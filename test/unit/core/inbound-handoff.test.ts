import { describe, expect, it } from "vitest";

import { encodeMessage } from "../../../src/swim/codec/memberlist-messages.js";
import { encodePacket } from "../../../src/swim/codec/packet.js";
import type { Alive, Suspect } from "../../../src/swim/codec/types.js";
import type { Address, Directive } from "../../../src/swim/core/api.js";
import { lanConfig } from "../../../src/swim/core/config.js";
import { InboundQueue } from "../../../src/swim/core/inbound-queue.js";
import { Harness } from "./harness.js";

const FROM: Address = { host: "10.0.0.9", port: 7946 };
const VSN = Uint8Array.of(2, 5, 2, 2, 5, 4);

function alive(node: string, incarnation: number): Alive {
  return {
    kind: "alive",
    incarnation,
    node,
    addr: Uint8Array.of(10, 1, 0, 1),
    port: 7946,
    meta: new Uint8Array(),
    vsn: VSN,
  };
}

function suspect(node: string, incarnation: number): Suspect {
  return { kind: "suspect", incarnation, node, from: "b" };
}

function packet(...messages: Parameters<typeof encodeMessage>[0][]): Uint8Array {
  return encodePacket(messages.map(encodeMessage), { compress: false, crc: false });
}

function sends(directives: readonly Directive[]): number {
  return directives.filter((d) => d.kind === "send").length;
}

/** One node "a" that defers its inbound gossip, with a handler queue of `depth`. */
function deferringNode(depth = 1_024) {
  const h = new Harness(7);
  const a = h.add("a", { ...lanConfig(), pushPullIntervalMs: 0, handoffQueueDepth: depth });
  h.flush(a);
  a.ml.deferInbound();
  return { h, ml: a.ml };
}

describe("memberlist's handoff queues", () => {
  it("answers a ping at once while the gossip beside it waits for handleInbound", () => {
    const { h, ml } = deferringNode();
    ml.onPacket(FROM, packet({ kind: "ping", seqNo: 7, node: "a" }, alive("x", 1)), h.nowMs);
    expect(sends(ml.drain())).toBe(1); // the ack
    expect(ml.node("x")).toBeUndefined();
    expect(ml.inboundPending()).toBe(1);

    ml.handleInbound(h.nowMs, 10);
    expect(ml.node("x")?.state).toBe("alive");
    expect(ml.inboundPending()).toBe(0);
  });

  it("handles alive before suspect, newest first, and at most `max` per call", () => {
    const { h, ml } = deferringNode();
    ml.onPacket(FROM, packet(suspect("x", 1), alive("x", 1), alive("y", 1)), h.nowMs);
    const senders: Address[] = [];
    ml.handleInbound(h.nowMs, 1, (from) => senders.push(from));
    // The newest high-priority message: y's alive.
    expect(ml.node("y")?.state).toBe("alive");
    expect(ml.node("x")).toBeUndefined();
    expect(senders).toEqual([FROM]);

    ml.handleInbound(h.nowMs, 10);
    // x's alive, then the suspect about it (an unknown node cannot be suspected).
    expect(ml.node("x")?.state).toBe("suspect");
  });

  it("refutes a suspicion of itself at once, ahead of the queued gossip", () => {
    const { h, ml } = deferringNode();
    const incarnation = ml.node("a")!.incarnation;
    ml.onPacket(FROM, packet(alive("x", 1), suspect("a", incarnation)), h.nowMs);
    expect(ml.node("a")!.incarnation).toBeGreaterThan(incarnation); // refuted
    expect(ml.inboundPending()).toBe(1); // x's alive still waits
  });

  it("beyond HandoffQueueDepth drops the oldest queued message, with an inputRefused event", () => {
    const { h, ml } = deferringNode(2);
    ml.onPacket(FROM, packet(alive("x", 1), alive("y", 1), alive("z", 1), suspect("x", 1)), h.nowMs);
    const refused = ml
      .drain()
      .flatMap((d) => (d.kind === "event" && d.event.kind === "inputRefused" ? [d.event] : []));
    expect(refused).toEqual([
      {
        kind: "inputRefused",
        limit: "handoffQueueFull",
        reason: "handler queue full: dropped the oldest alive message",
        from: FROM,
      },
    ]);
    expect(ml.inboundPending()).toBe(3); // two alive, one suspect: each queue has its own bound
    ml.handleInbound(h.nowMs, 10);
    expect(ml.node("x")).toBeUndefined(); // the oldest, dropped (so the suspect found nothing)
    expect(ml.node("y")?.state).toBe("alive");
    expect(ml.node("z")?.state).toBe("alive");
  });

  it("without deferInbound handles everything inside onPacket, in packet order", () => {
    const h = new Harness(7);
    const a = h.add("a", { ...lanConfig(), pushPullIntervalMs: 0 });
    h.flush(a);
    a.ml.onPacket(FROM, packet(alive("x", 1), suspect("x", 1)), h.nowMs);
    expect(a.ml.node("x")?.state).toBe("suspect");
    expect(a.ml.inboundPending()).toBe(0);
  });

  it("reports a malformed queued message as a decode failure when it is handled", () => {
    const { h, ml } = deferringNode();
    const broken = Uint8Array.of(4, 0xc1); // alive type byte, then a reserved msgpack byte
    const bytes = encodePacket([broken, encodeMessage(alive("x", 1))], { compress: false, crc: false });
    ml.onPacket(FROM, bytes, h.nowMs);
    ml.drain();
    ml.handleInbound(h.nowMs, 10);
    const failures = ml.drain().filter((d) => d.kind === "event" && d.event.kind === "decodeFailed");
    expect(failures).toHaveLength(1);
    expect(ml.node("x")?.state).toBe("alive");
  });
});

describe("InboundQueue", () => {
  const msg = (n: number) => ({ bytes: Uint8Array.of(n), from: FROM });

  it("takes high priority first, each queue newest first", () => {
    const q = new InboundQueue(10);
    q.push(false, msg(1));
    q.push(true, msg(2));
    q.push(false, msg(3));
    q.push(true, msg(4));
    const order: number[] = [];
    for (let m = q.take(); m !== undefined; m = q.take()) order.push(m.bytes[0]!);
    expect(order).toEqual([4, 2, 3, 1]);
  });

  it("bounds each queue separately, evicting the oldest beyond the depth", () => {
    const q = new InboundQueue(2);
    expect(q.push(true, msg(1))).toBe(true);
    expect(q.push(true, msg(2))).toBe(true);
    expect(q.push(true, msg(3))).toBe(false); // 1 evicted
    expect(q.push(false, msg(4))).toBe(true);
    expect(q.size()).toBe(3);
    const order: number[] = [];
    for (let m = q.take(); m !== undefined; m = q.take()) order.push(m.bytes[0]!);
    expect(order).toEqual([3, 2, 4]);
    q.push(true, msg(5));
    q.clear();
    expect(q.size()).toBe(0);
    expect(new InboundQueue(0).push(true, msg(6))).toBe(false);
  });
});
