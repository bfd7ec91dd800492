import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration, tryParseDuration } from "../../../../src/agent/config/duration.js";
import { ConfigError } from "../../../../src/errors.js";

describe("parseDuration", () => {
  it.each([
    ["200ms", 200],
    ["1s", 1_000],
    ["1.5s", 1_500],
    ["1m30s", 90_000],
    ["1h", 3_600_000],
    ["2h45m", 9_900_000],
    ["500us", 0.5],
    ["500µs", 0.5],
    ["1000000ns", 1],
    ["0", 0],
    ["0s", 0],
    ["250", 250],
    ["12.5", 12.5],
    [" 3s ", 3_000],
    ["-1s", -1_000],
    [".5s", 500],
    [42, 42],
  ] as const)("%j is %d ms", (input, ms) => {
    expect(parseDuration(input, "x")).toBe(ms);
  });

  it.each(["", "abc", "1x", "s", "1s2", "1..5s", "--1s", "1 s", "ms"])("rejects %j", (input) => {
    expect(tryParseDuration(input).ok).toBe(false);
  });

  it("rejects non-finite numbers", () => {
    expect(tryParseDuration(Number.NaN).ok).toBe(false);
    expect(tryParseDuration(Number.POSITIVE_INFINITY).ok).toBe(false);
  });

  it("throws a ConfigError naming the field", () => {
    const error = (() => {
      try {
        parseDuration("abc", "gossipInterval");
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      { field: "gossipInterval", message: expect.stringContaining('"abc" is not a duration') },
    ]);
    expect((error as ConfigError).message).toContain('gossipInterval: "abc" is not a duration');
  });

  it("names an unknown unit", () => {
    const result = tryParseDuration("5d");
    expect(result).toEqual({ ok: false, message: expect.stringContaining('unknown unit "d"') });
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0s"],
    [200, "200ms"],
    [1_000, "1s"],
    [1_500, "1.5s"],
    [90_000, "1m30s"],
    [3_600_000, "1h"],
    [86_400_000, "24h"],
    [3_661_000, "1h1m1s"],
  ])("%d ms is %s and parses back", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text, "x")).toBe(ms);
  });
});
