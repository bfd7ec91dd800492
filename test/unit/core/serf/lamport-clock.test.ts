import { describe, expect, it } from "vitest";
import { LamportClock } from "../../../../src/swim/core/serf/lamport-clock.js";

describe("LamportClock (serf/lamport.go)", () => {
  it("starts at 1 and increments by one", () => {
    const c = new LamportClock();
    expect(c.time()).toBe(1);
    expect(c.increment()).toBe(2);
    expect(c.time()).toBe(2);
  });

  it("witness(t) moves past t only when t is not already behind", () => {
    const c = new LamportClock();
    c.witness(0);
    expect(c.time()).toBe(1);
    c.witness(1); // equal: the next local stamp must be later than what we saw
    expect(c.time()).toBe(2);
    c.witness(41);
    expect(c.time()).toBe(42);
    c.witness(10); // older news never moves it back
    expect(c.time()).toBe(42);
  });

  it("a restored clock resumes at the saved time (never below 1)", () => {
    expect(new LamportClock(99).time()).toBe(99);
    expect(new LamportClock(0).time()).toBe(1);
  });
});
