import { describe, expect, it } from "vitest";
import { SerfBroadcasts } from "../../../../src/swim/core/serf/broadcasts.js";

const msg = (len: number, tag: number): Uint8Array => new Uint8Array(len).fill(tag);

describe("SerfBroadcasts: sharing one packet's delegate budget", () => {
  it("takes Serf's order (intents, queries, events) when everything fits", () => {
    const b = new SerfBroadcasts(4, () => 10);
    b.events.queue(msg(30, 3));
    b.queries.queue(msg(20, 2));
    b.intents.queue(msg(10, 1));
    const out = b.take(3, 1_000);
    expect(out.map((m) => m[0]).sort()).toEqual([1, 2, 3]);
    expect(out.reduce((n, m) => n + 3 + m.length, 0)).toBeLessThanOrEqual(1_000);
  });

  it("a join storm's intents cannot starve a max-size user event (memberlist#299, Serf level)", () => {
    const b = new SerfBroadcasts(4, () => 50);
    for (let i = 0; i < 50; i++) b.intents.queue(msg(40, 1)); // 50 join intents, 2 KB
    const event = msg(512, 3);
    b.events.queue(event);
    // Serf's plain order would fill 600 bytes with intents on every packet. Here the event
    // goes out within a couple of packets (the rotation decides which head goes first).
    let packets = 0;
    let sent = false;
    while (!sent && packets < 4) {
      packets++;
      const out = b.take(3, 600);
      expect(out.reduce((n, m) => n + 3 + m.length, 0)).toBeLessThanOrEqual(600);
      sent = out.includes(event);
    }
    expect(sent).toBe(true);
    expect(packets).toBeLessThanOrEqual(2);
  });

  it("never puts one message twice into a packet, and a lone queue may use the whole budget", () => {
    const b = new SerfBroadcasts(4, () => 10);
    for (let i = 0; i < 5; i++) b.intents.queue(msg(100, i));
    b.events.queue(msg(50, 9));
    const out = b.take(3, 1_000);
    expect(new Set(out).size).toBe(out.length);
    expect(out).toHaveLength(6);
    const lone = new SerfBroadcasts(4, () => 10);
    for (let i = 0; i < 5; i++) lone.events.queue(msg(100, i));
    expect(lone.take(3, 1_000)).toHaveLength(5);
  });

  it("asks memberlist to keep room for the head of each non-empty queue, up to the cap", () => {
    const b = new SerfBroadcasts(4, () => 10);
    expect(b.reserve(3, 600)).toBe(0);
    b.intents.queue(msg(30, 1));
    b.intents.queue(msg(35, 1));
    b.events.queue(msg(500, 3));
    expect(b.reserve(3, 600)).toBe(3 + 35 + 3 + 500);
    b.extension.queue(msg(400, 4), { name: "x" });
    expect(b.reserve(3, 600)).toBe(600);
  });

  it("extension messages are named: a newer one replaces the queued one", () => {
    const b = new SerfBroadcasts(4, () => 10);
    b.extension.queue(msg(10, 1), { name: "svc/web" });
    b.extension.queue(msg(10, 2), { name: "svc/web" });
    b.extension.queue(msg(10, 3), { name: "svc/db" });
    expect(b.depths()).toEqual({ intents: 0, queries: 0, events: 0, extension: 2 });
    expect(
      b
        .take(3, 1_000)
        .map((m) => m[0])
        .sort(),
    ).toEqual([2, 3]);
  });

  it("is empty-handed (no reserve needed) when nothing is queued, and prunes over-deep queues", () => {
    const b = new SerfBroadcasts(4, () => 10);
    expect(b.any()).toBe(false);
    expect(b.take(3, 1_000)).toEqual([]);
    for (let i = 0; i < 10; i++) b.events.queue(msg(10, i));
    expect(b.any()).toBe(true);
    b.prune(4);
    expect(b.depths().events).toBe(4);
  });
});
