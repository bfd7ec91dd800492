import { describe, expect, it } from "vitest";
import { truncateOutput } from "../../../../src/agent/checks/output.js";
import { StatusHandler } from "../../../../src/agent/checks/status-handler.js";

describe("StatusHandler", () => {
  it("passes results straight through with zero thresholds", () => {
    const h = new StatusHandler({
      successBeforePassing: 0,
      failuresBeforeWarning: 0,
      failuresBeforeCritical: 0,
    });
    expect(["passing", "critical", "warning"].map((s) => h.next(s as "passing"))).toEqual([
      "passing",
      "critical",
      "warning",
    ]);
  });

  it("holds the status until a threshold is reached, with a warning step", () => {
    const h = new StatusHandler({
      successBeforePassing: 2,
      failuresBeforeWarning: 1,
      failuresBeforeCritical: 3,
    });
    expect(h.next("passing")).toBeUndefined();
    expect(h.next("passing")).toBe("passing");
    expect(h.next("critical")).toBe("warning");
    expect(h.next("critical")).toBe("warning");
    expect(h.next("passing")).toBeUndefined();
    expect(h.next("critical")).toBe("warning");
    expect(h.next("critical")).toBe("warning");
    expect(h.next("critical")).toBe("critical");
  });
});

describe("truncateOutput", () => {
  it("cuts at a UTF-8 boundary", () => {
    expect(truncateOutput("héllo", 2)).toBe("h");
    expect(truncateOutput("héllo", 3)).toBe("hé");
    expect(truncateOutput("abc", 10)).toBe("abc");
  });
});
