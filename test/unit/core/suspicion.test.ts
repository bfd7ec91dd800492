import { describe, expect, it } from "vitest";

import { Suspicion, remainingSuspicionTimeMs, suspicionTimeoutMs } from "../../../src/swim/core/suspicion.js";
import { Awareness } from "../../../src/swim/core/awareness.js";
import { DeadlineCalendar } from "../../../src/swim/core/deadline-calendar.js";

describe("suspicion timeouts (PROTOCOL.md 2.2 table)", () => {
  it("min is suspicionMult × max(1, log10 n) × probeInterval", () => {
    expect(suspicionTimeoutMs(4, 3, 1000)).toBe(4000);
    expect(suspicionTimeoutMs(4, 10, 1000)).toBe(4000);
    expect(suspicionTimeoutMs(4, 100, 1000)).toBe(8000);
    expect(suspicionTimeoutMs(4, 1000, 1000)).toBe(12000);
    expect(suspicionTimeoutMs(4, 10000, 1000)).toBe(16000);
    expect(suspicionTimeoutMs(6, 100, 5000)).toBe(60000);
    expect(suspicionTimeoutMs(3, 100, 1000)).toBe(6000);
    // Truncation of the node scale to thousandths, as Go's integer Duration maths.
    expect(suspicionTimeoutMs(4, 50, 1000)).toBe(4 * 1698);
  });

  it("one confirmation gives the table's timeouts", () => {
    // LAN 10: min 4 s, max 24 s, k 2 -> 11.4 s.
    expect(remainingSuspicionTimeMs(1, 2, 0, 4000, 24000)).toBe(11381);
    // LAN 100: 22.8 s; WAN 100: 230.8 s (k 4); Local 100: 6 s (k 1 -> min).
    expect(remainingSuspicionTimeMs(1, 2, 0, 8000, 48000)).toBe(22762);
    expect(remainingSuspicionTimeMs(1, 4, 0, 60000, 360000)).toBe(230797);
    expect(remainingSuspicionTimeMs(1, 1, 0, 6000, 36000)).toBe(6000);
  });

  it("subtracts elapsed time and clamps at min", () => {
    expect(remainingSuspicionTimeMs(2, 2, 1000, 4000, 24000)).toBe(3000);
    expect(remainingSuspicionTimeMs(5, 2, 0, 4000, 24000)).toBe(4000);
    expect(remainingSuspicionTimeMs(2, 2, 9000, 4000, 24000)).toBe(-5000);
  });
});

describe("Suspicion", () => {
  it("starts at max with k > 0 and at min with k = 0", () => {
    expect(new Suspicion("a", 2, 4000, 24000, 100).deadlineMs()).toBe(24100);
    expect(new Suspicion("a", 0, 4000, 24000, 100).deadlineMs()).toBe(4100);
  });

  it("counts only new independent accusers, up to k, never the original accuser", () => {
    const s = new Suspicion("a", 2, 4000, 24000, 0);
    expect(s.confirm("a", 10)).toBe(false);
    expect(s.confirm("b", 10)).toBe(true);
    expect(s.deadlineMs()).toBe(11381);
    expect(s.confirm("b", 20)).toBe(false);
    expect(s.confirm("c", 500)).toBe(true);
    // Two of two: the minimum.
    expect(s.deadlineMs()).toBe(4000);
    expect(s.confirm("d", 600)).toBe(false);
    expect(s.confirmations()).toBe(2);
  });

  it("never expires before min, however many confirmations", () => {
    for (let k = 1; k <= 6; k++) {
      const s = new Suspicion("x", k, 4000, 24000, 1000);
      for (let c = 0; c < 10; c++) s.confirm(`p${c}`, 1000 + c);
      expect(s.deadlineMs()).toBeGreaterThanOrEqual(1000 + 4000);
    }
  });

  it("expireBy (a refused TCP ping) only brings the deadline forward, and confirmations keep it", () => {
    const s = new Suspicion("a", 2, 4000, 24000, 0);
    expect(s.expireBy(30_000)).toBe(false);
    expect(s.deadlineMs()).toBe(24000);
    expect(s.expireBy(2_000)).toBe(true);
    expect(s.deadlineMs()).toBe(2000);
    // A confirmation would move it to 11,381: the cap holds.
    expect(s.confirm("b", 10)).toBe(true);
    expect(s.deadlineMs()).toBe(2000);
    expect(s.expireBy(3_000)).toBe(false);
    expect(s.deadlineMs()).toBe(2000);
  });
});

describe("Awareness", () => {
  it("clamps to 0..max-1, scales timeouts and reports changes", () => {
    const changes: number[] = [];
    const a = new Awareness(8, (s) => changes.push(s));
    a.applyDelta(-1);
    expect(a.healthScore()).toBe(0);
    a.applyDelta(3);
    expect(a.scaleTimeout(1000)).toBe(4000);
    a.applyDelta(100);
    expect(a.healthScore()).toBe(7);
    a.applyDelta(1);
    expect(changes).toEqual([3, 7]);
  });

  it("folds event-loop stalls in: +1 per stall >= threshold, at most once per cooldown", () => {
    const a = new Awareness(8);
    expect(a.onLocalDelay(100, 500, 1000, 0)).toBe(false);
    expect(a.onLocalDelay(600, 500, 1000, 0)).toBe(true);
    expect(a.onLocalDelay(900, 500, 1000, 500)).toBe(false);
    expect(a.onLocalDelay(900, 500, 1000, 1000)).toBe(true);
    expect(a.healthScore()).toBe(2);
  });
});

describe("DeadlineCalendar", () => {
  it("fires in time order, ties in scheduling order, skips cancelled", () => {
    const cal = new DeadlineCalendar();
    const fired: string[] = [];
    cal.schedule(30, () => fired.push("c"));
    const b = cal.schedule(20, () => fired.push("b"));
    cal.schedule(10, () => fired.push("a1"));
    cal.schedule(10, () => fired.push("a2"));
    cal.cancel(b);
    expect(cal.next()).toBe(10);
    cal.runDue(25);
    expect(fired).toEqual(["a1", "a2"]);
    expect(cal.next()).toBe(30);
    cal.schedule(26, (now) => {
      fired.push(`d@${now}`);
      cal.schedule(now, () => fired.push("e"));
    });
    cal.runDue(40);
    expect(fired).toEqual(["a1", "a2", "d@40", "c", "e"]);
    expect(cal.next()).toBeUndefined();
  });
});
