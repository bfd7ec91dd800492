import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileFilter, FilterError } from "../../../../src/agent/catalog/filter.js";
import {
  compileRegex,
  MAX_PATTERN_LENGTH,
  RegexSyntaxError,
} from "../../../../src/agent/catalog/filter-regex.js";

/** Patterns whose meaning is the same in RE2 and JavaScript, with texts to try. */
const SAME_AS_JS: readonly (readonly [string, readonly string[]])[] = [
  ["web", ["web", "a-web-b", "we", ""]],
  ["^web-[0-9]+$", ["web-1", "web-12x", "xweb-1", "web-"]],
  ["^(api|web)-\\d{2,3}$", ["api-12", "web-123", "web-1234", "db-12"]],
  ["a.c", ["abc", "a\nc", "ac"]],
  ["colou?r", ["color", "colour", "colouur"]],
  ["^$", ["", "x"]],
  ["[^a-c]x", ["ax", "dx", "x"]],
  ["\\bdb\\b", ["a db b", "adbb", "db"]],
  ["\\Bb", ["ab", "b"]],
  ["x{3}", ["xx", "xxx"]],
  ["(ab)*c", ["c", "ababc", "abac"]],
  ["a{2,}", ["a", "aa", "baaa"]],
  ["[\\w.-]+@[\\w.-]+", ["me@example.com", "@x"]],
  ["\\s\\S", [" a", "  ", "a"]],
  ["[\\]]", ["]", "["]],
  ["\\.", [".", "a"]],
  ["a|b|", ["", "c"]],
  ["(?:x|y)+?z", ["xyz", "z", "xy"]],
  ["[[:digit:]]+", ["abc1", "abc"]],
  ["\\x41", ["A", "a"]],
  ["😀.", ["😀😀", "😀"]],
];

describe("filter regular expressions", () => {
  it.each(SAME_AS_JS)("%s matches as JavaScript's RegExp does", (pattern, texts) => {
    const ours = compileRegex(pattern);
    const js = new RegExp(pattern.replace("[[:digit:]]", "[0-9]"), "u");
    for (const text of texts) expect([text, ours.test(text)]).toEqual([text, js.test(text)]);
  });

  it("honours leading flags", () => {
    expect(compileRegex("(?i)^WEB").test("web-1")).toBe(true);
    expect(compileRegex("(?i)[^a]").test("A")).toBe(false);
    expect(compileRegex("(?i)[a-c]").test("B")).toBe(true);
    expect(compileRegex("(?s)a.b").test("a\nb")).toBe(true);
    expect(compileRegex("(?m)^b$").test("a\nb\nc")).toBe(true);
    expect(compileRegex("^b$").test("a\nb\nc")).toBe(false);
    expect(compileRegex("(?im)^B$").test("a\nb")).toBe(true);
  });

  it("agrees with RegExp on generated patterns and texts", () => {
    const atom = fc.constantFrom("a", "b", ".", "[ab]", "[^a]", "\\d", "(a|b)", "(?:ab)", "^", "$", "\\b");
    const quantifier = fc.constantFrom("", "*", "+", "?", "{2}", "{1,2}", "{0,}");
    const pattern = fc
      .array(fc.tuple(atom, quantifier), { minLength: 1, maxLength: 5 })
      .map((parts) => parts.map(([a, q]) => (a === "^" || a === "$" || a === "\\b" ? a : a + q)).join(""));
    const text = fc.stringMatching(/^[ab1 ]{0,8}$/);
    fc.assert(
      fc.property(pattern, text, (p, t) => {
        expect(compileRegex(p).test(t)).toBe(new RegExp(p).test(t));
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ["(a)\\1", "backreferences are not supported"],
    ["a(?=b)", "lookahead and lookbehind are not supported"],
    ["(?<!a)b", "lookahead and lookbehind are not supported"],
    ["a**", "bad repetition operator"],
    ["a{1001}", "bad repetition operator"],
    ["a{3,2}", "max below min"],
    ["*a", "missing argument to repetition operator"],
    ["(a", "missing closing )"],
    ["a)", "unexpected )"],
    ["[a", "missing closing ]"],
    ["[z-a]", "invalid character class range"],
    ["\\q", "invalid escape sequence"],
    ["a(?i)b", "flags are only supported at the start"],
    ["(x{1000}){1000}", "too complex"],
    ["a".repeat(MAX_PATTERN_LENGTH + 1), "too long"],
  ])("refuses %s: %s", (pattern, message) => {
    expect(() => compileRegex(pattern)).toThrow(RegexSyntaxError);
    expect(() => compileRegex(pattern)).toThrow(message);
  });

  it("turns a refused pattern into a FilterError naming the problem", () => {
    expect(() => compileFilter('Service matches "(a)\\\\1"')).toThrow(FilterError);
    expect(() => compileFilter('Service matches "(a)\\\\1"')).toThrow(/backreferences are not supported/);
  });

  it.each([
    ["(a+)+$", "a".repeat(5000) + "b"],
    ["(a|a)*c", "a".repeat(5000)],
    [".*.*.*.*x", "a".repeat(4096)],
    ["(x+x+)+y", "x".repeat(5000)],
    ["^(\\w+\\s?)*$", "word ".repeat(800) + "!"],
  ])("runs the catastrophic-for-backtracking pattern %s in linear time", (pattern, text) => {
    const matcher = compileRegex(pattern);
    const started = performance.now();
    expect(matcher.test(text)).toBe(false);
    // JavaScript's RegExp takes minutes to years on these; the NFA simulation milliseconds.
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
