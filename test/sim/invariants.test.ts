/**
 * The invariant checker on hand-made event sequences: each rule fires on a violation, the
 * error carries the seed and the replay command, and false positives are counted.
 */
import { describe, expect, it } from "vitest";
import type { MemberView, SwimEvent } from "../../src/swim/core/api.js";
import type { InvariantContext } from "../../src/swim/sim/invariants.js";
import { describeDivergence, InvariantChecker, InvariantViolation } from "../../src/swim/sim/invariants.js";

const names = ["a", "b", "c"];
function checker(impaired: (i: number) => boolean = () => false): InvariantChecker {
  const context: InvariantContext = {
    indexOf: (name) => {
      const i = names.indexOf(name);
      return i < 0 ? undefined : i;
    },
    nameOf: (i) => names[i] ?? "?",
    wasImpaired: (i) => impaired(i),
  };
  return new InvariantChecker(context, 1234, "test/sim/some.test.ts");
}
function member(name: string, state: MemberView["memberlistState"], incarnation: number): MemberView {
  return {
    name,
    address: { host: "10.0.0.1", port: 7946 },
    tags: {},
    status: "alive",
    memberlistState: state,
    incarnation,
    vsn: [],
  };
}
const suspected = (name: string, inc: number): SwimEvent => ({
  kind: "memberSuspected",
  member: member(name, "suspect", inc),
  from: "a",
});
const joined = (name: string, inc: number): SwimEvent => ({
  kind: "memberJoined",
  member: member(name, "alive", inc),
});
const failed = (name: string, inc: number): SwimEvent => ({
  kind: "memberFailed",
  member: member(name, "dead", inc),
});

describe("InvariantChecker", () => {
  it("accepts a legal history: alive, suspect, refuted at a higher incarnation, alive again", () => {
    const c = checker();
    c.observe(0, joined("b", 1), 0);
    c.observe(0, suspected("b", 1), 10);
    c.observe(1, { kind: "refuted", incarnation: 2 }, 20);
    c.observe(0, joined("b", 2), 30);
    expect(c.checked).toBe(4);
    expect(c.falsePositives).toEqual([]);
  });

  it("rejects a status regression within one incarnation, naming seed and replay command", () => {
    const c = checker();
    c.observe(0, suspected("b", 1), 10);
    let error: unknown;
    try {
      c.observe(0, joined("b", 1), 20);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvariantViolation);
    const message = (error as Error).message;
    expect(message).toContain("status regression");
    expect(message).toContain("seed: 1234");
    expect(message).toContain("SIM_SEED=1234 npx vitest run test/sim/some.test.ts");
  });

  it("rejects death without suspicion and a refutation that does not raise the incarnation", () => {
    expect(() => checker(() => true).observe(0, failed("c", 1), 5)).toThrow(/nobody ever suspected/);
    const c = checker();
    c.observe(0, suspected("b", 3), 5);
    expect(() => c.observe(1, { kind: "refuted", incarnation: 3 }, 6)).toThrow(/did not raise/);
  });

  it("counts a verdict about an unimpaired node as a false positive", () => {
    const c = checker((i) => i === 2);
    c.observe(0, suspected("b", 1), 1);
    c.observe(0, failed("b", 1), 2);
    c.observe(0, suspected("c", 1), 3);
    c.observe(0, failed("c", 1), 4);
    expect(c.falsePositives).toEqual([{ timeMs: 2, observer: "a", subject: "b" }]);
  });

  it("checks every step in O(1): time, Lamport clocks and the health score", () => {
    const c = checker();
    const clocks = (member: number, event: number, query: number) => ({ member, event, query });
    c.checkStep(0, clocks(1, 1, 1), 0, 7, 10);
    c.checkStep(0, clocks(2, 1, 1), 7, 7, 10);
    c.checkStep(-1, clocks(0, 0, 0), 0, 0, 11);
    expect(c.stepsChecked).toBe(3);
    expect(() => c.checkStep(1, clocks(0, 0, 0), 0, 7, 5)).toThrow(/virtual time went back/);
    expect(() => c.checkStep(0, clocks(2, 0, 1), 0, 7, 12)).toThrow(/Lamport clock went back on a/);
    expect(() => checker().checkStep(0, clocks(0, 0, 0), 8, 7, 1)).toThrow(/health score of a is 8/);
  });

  it("checks sampled self-views: alive unless left, own incarnation never lower", () => {
    const c = checker();
    c.checkSelf(0, member("a", "alive", 1), false, 1);
    c.checkSelf(0, member("a", "alive", 3), false, 2);
    c.checkSelf(1, member("b", "left", 2), true, 3);
    expect(c.selfChecked).toBe(3);
    expect(() => c.checkSelf(0, member("a", "alive", 2), false, 4)).toThrow(/own incarnation went back/);
    expect(() => checker().checkSelf(2, member("c", "dead", 1), false, 5)).toThrow(
      /running node c sees itself as dead/,
    );
    expect(() => checker().checkSelf(2, undefined, false, 5)).toThrow(/does not list itself/);
  });

  it("describes the first divergence between views", () => {
    const view = (alive: string[]) => () => alive.map((name) => ({ name, memberlistState: "alive" }));
    expect(
      describeDivergence([
        { name: "a", running: true, members: view(["a", "b"]) },
        { name: "b", running: true, members: view(["a", "b"]) },
        { name: "c", running: false, members: view([]) },
      ]),
    ).toBeUndefined();
    expect(
      describeDivergence([
        { name: "a", running: true, members: view(["a", "b", "c"]) },
        { name: "b", running: true, members: view(["a", "b"]) },
        { name: "c", running: false, members: view([]) },
      ]),
    ).toBe("a still sees stopped node c as alive");
  });
});
