import { describe, expect, it } from "vitest";
import { BUFFER_SLOTS, EventBuffer, tooOld } from "../../../../src/swim/core/serf/event-buffer.js";

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("EventBuffer (Serf's handleUserEvent de-duplication)", () => {
  it("delivers an event once: the same LTime, name and payload again is a duplicate", () => {
    const b = new EventBuffer();
    expect(b.accept(5, "deploy", bytes("v1"))).toBe(true);
    expect(b.accept(5, "deploy", bytes("v1"))).toBe(false);
  });

  it("keeps different events stamped with the same LTime (two origins) apart", () => {
    const b = new EventBuffer();
    expect(b.accept(5, "deploy", bytes("v1"))).toBe(true);
    expect(b.accept(5, "deploy", bytes("v2"))).toBe(true);
    expect(b.accept(5, "restart", bytes("v1"))).toBe(true);
    expect(b.accept(6, "deploy", bytes("v1"))).toBe(true);
    expect(b.accept(5, "deploy", bytes("v2"))).toBe(false);
  });

  it("witnesses every time it sees, so the next local stamp is later", () => {
    const b = new EventBuffer();
    b.accept(77, "x", bytes(""));
    expect(b.clock.time()).toBe(78);
  });

  it("refuses events that fell out of the 512-slot ring", () => {
    const b = new EventBuffer();
    b.clock.witness(1000); // clock 1001
    expect(tooOld(488, 1001)).toBe(true);
    expect(b.accept(488, "old", bytes(""))).toBe(false);
    expect(b.accept(489, "old-but-in-ring", bytes(""))).toBe(true);
    expect(tooOld(1, BUFFER_SLOTS)).toBe(false);
  });

  it("a slot reused by a later LTime forgets the earlier one", () => {
    const b = new EventBuffer();
    expect(b.accept(3, "a", bytes(""))).toBe(true);
    expect(b.accept(3 + BUFFER_SLOTS, "b", bytes(""))).toBe(true);
    const slot = b.snapshot()[3];
    expect(slot?.lTime).toBe(3 + BUFFER_SLOTS);
    expect(slot?.events.map((e) => e.name)).toEqual(["b"]);
  });

  it("ignores events below the minimum time (join without replay, restored clock)", () => {
    const b = new EventBuffer();
    b.raiseMinimumTime(10);
    expect(b.accept(9, "before-join", bytes(""))).toBe(false);
    expect(b.accept(10, "at-join", bytes(""))).toBe(true);
    b.raiseMinimumTime(5); // never lowered
    expect(b.minimumTime()).toBe(10);
    const restored = new EventBuffer(20); // the previous run's clocks().event
    expect(restored.clock.time()).toBe(20);
    expect(restored.accept(19, "seen-before-restart", bytes(""))).toBe(false);
    expect(restored.accept(20, "new", bytes(""))).toBe(true);
  });

  it("snapshots the whole ring as Serf sends it: 512 entries, empty slots null", () => {
    const b = new EventBuffer();
    b.accept(2, "a", bytes("p"));
    const snap = b.snapshot();
    expect(snap).toHaveLength(BUFFER_SLOTS);
    expect(snap.filter((s) => s !== null)).toEqual([
      { lTime: 2, events: [{ name: "a", payload: bytes("p") }] },
    ]);
  });
});
