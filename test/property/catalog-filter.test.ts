import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compileFilter,
  FilterError,
  type FilterExpr,
  type FilterValue,
  parseFilter,
  printFilter,
} from "../../src/agent/catalog/filter.js";
import { isBareFirstSegment, MATCH_OPERATORS } from "../../src/agent/catalog/filter-ast.js";

const firstSegment = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,8}$/).filter(isBareFirstSegment);
const laterSegment = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/), fc.string({ maxLength: 6 }));
const selector = fc
  .tuple(firstSegment, fc.array(laterSegment, { maxLength: 3 }))
  .map(([first, rest]) => [first, ...rest]);

const number = fc
  .oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }))
  .filter((n) => !Object.is(n, -0));

const value: fc.Arbitrary<FilterValue> = fc.oneof(
  fc.string({ maxLength: 10 }).map((v) => ({ kind: "string" as const, value: v })),
  number.map((v) => ({ kind: "number" as const, value: v })),
  fc.boolean().map((v) => ({ kind: "bool" as const, value: v })),
  selector.map((path) => ({ kind: "selector" as const, path })),
);

const match: fc.Arbitrary<FilterExpr> = fc
  .tuple(fc.constantFrom(...MATCH_OPERATORS), selector, value, fc.string({ maxLength: 6 }))
  .map(([operator, sel, v, pattern]) => {
    if (operator === "is empty" || operator === "is not empty")
      return { kind: "match", operator, selector: sel };
    if (operator === "matches" || operator === "not matches") {
      return { kind: "match", operator, selector: sel, value: { kind: "string", value: pattern } };
    }
    return { kind: "match", operator, selector: sel, value: v };
  });

const expr: fc.Arbitrary<FilterExpr> = fc.letrec<{ e: FilterExpr }>((tie) => ({
  e: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    match,
    fc.record({ kind: fc.constantFrom("and" as const, "or" as const), left: tie("e"), right: tie("e") }),
    fc.record({ kind: fc.constant("not" as const), operand: tie("e") }),
  ),
})).e;

/** Text that looks like filters: tokens of the language glued at random. */
const tokenSoup = fc
  .array(
    fc.constantFrom(
      "Service",
      ".",
      "Tags",
      "Meta",
      "[",
      "]",
      "(",
      ")",
      "==",
      "!=",
      "=",
      "!",
      "in",
      "not",
      "and",
      "or",
      "contains",
      "matches",
      "is",
      "empty",
      '"x"',
      '"',
      "`raw`",
      "`",
      "12",
      "-3.5e2",
      "true",
      "\\",
      '"\\u12"',
      " ",
    ),
    { maxLength: 20 },
  )
  .map((parts) => parts.join(" "));

describe("filter language properties", () => {
  it("parse(print(ast)) gives the ast back", () => {
    fc.assert(
      fc.property(expr, (ast) => {
        expect(parseFilter(printFilter(ast))).toEqual(ast);
      }),
      { numRuns: 2000 },
    );
  });

  it("never throws anything but FilterError on arbitrary input", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 60 }), tokenSoup, fc.string({ unit: "binary", maxLength: 30 })),
        (source) => {
          try {
            compileFilter(source);
          } catch (error) {
            expect(error).toBeInstanceOf(FilterError);
          }
        },
      ),
      { numRuns: 5000 },
    );
  });

  it("compiled filters never throw on arbitrary JSON", () => {
    fc.assert(
      fc.property(expr, fc.jsonValue({ maxDepth: 4 }), (ast, item) => {
        let predicate: (item: unknown) => boolean;
        try {
          predicate = compileFilter(printFilter(ast));
        } catch (error) {
          // Only a generated regular expression can be invalid.
          expect(error).toBeInstanceOf(FilterError);
          return;
        }
        expect(typeof predicate(item)).toBe("boolean");
      }),
      { numRuns: 2000 },
    );
  });

  it("not(e) is the complement of e", () => {
    fc.assert(
      fc.property(expr, fc.jsonValue({ maxDepth: 3 }), (ast, item) => {
        let positive: (item: unknown) => boolean;
        try {
          positive = compileFilter(printFilter(ast));
        } catch {
          return;
        }
        const negative = compileFilter(printFilter({ kind: "not", operand: ast }));
        expect(negative(item)).toBe(!positive(item));
      }),
      { numRuns: 1000 },
    );
  });
});
