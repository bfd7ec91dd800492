import { describe, expect, it } from "vitest";
import {
  durationFromJson,
  formatGoDuration,
  parseGoDuration,
} from "../../../../src/agent/catalog/go-duration.js";

describe("Go durations", () => {
  it.each([
    ["0", 0],
    ["10s", 10_000],
    ["1m30s", 90_000],
    ["250ms", 250],
    ["1.5h", 5_400_000],
    ["-2s", -2000],
    ["100us", 0.1],
    ["1h2m3s4ms", 3_723_004],
  ])("parses %s", (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms, 9);
  });

  it.each(["", "10", "s", "1x", "1s2", " 1s", "--1s"])("rejects %j", (text) => {
    expect(() => parseGoDuration(text)).toThrow("invalid duration");
  });

  it("reads JSON numbers as nanoseconds, as Go does", () => {
    expect(durationFromJson(1_500_000_000, "TTL")).toBe(1500);
    expect(() => durationFromJson(true, "TTL")).toThrow("TTL");
  });

  it.each([
    [0, "0s"],
    [250, "250ms"],
    [10_000, "10s"],
    [90_000, "1m30s"],
    [3_723_004, "1h2m3.004s"],
  ])("formats %d ms as %s", (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
    expect(parseGoDuration(text)).toBeCloseTo(ms, 6);
  });
});
