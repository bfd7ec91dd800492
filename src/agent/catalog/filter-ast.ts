/**
 * The syntax tree of Consul's filter expressions (go-bexpr's subset that Shoal supports),
 * and its printer. `parseFilter(printFilter(ast))` gives `ast` back; the property tests
 * rely on that.
 *
 * Pure: no Node APIs.
 */

/** A dotted selector path such as `Service.Meta.env`, one element per segment. */
export type Selector = readonly string[];

/** A literal or a selector on the value side of a match. */
export type FilterValue =
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "bool"; readonly value: boolean }
  | { readonly kind: "selector"; readonly path: Selector };

/** Every match operator. */
export const MATCH_OPERATORS = [
  "==",
  "!=",
  "in",
  "not in",
  "contains",
  "not contains",
  "matches",
  "not matches",
  "is empty",
  "is not empty",
] as const;

/** One match operator. */
export type MatchOperator = (typeof MATCH_OPERATORS)[number];

/**
 * A filter expression. For `in`/`not in` (`"v" in Sel`), `selector` is the container on the
 * right and `value` the needle on the left, so every match reads "selector OP value".
 */
export type FilterExpr =
  | { readonly kind: "and" | "or"; readonly left: FilterExpr; readonly right: FilterExpr }
  | { readonly kind: "not"; readonly operand: FilterExpr }
  | {
      readonly kind: "match";
      readonly operator: MatchOperator;
      readonly selector: Selector;
      readonly value?: FilterValue;
    };

/** Words that cannot start a selector. */
export const KEYWORDS: ReadonlySet<string> = new Set([
  "and",
  "or",
  "not",
  "in",
  "contains",
  "matches",
  "is",
  "empty",
  "true",
  "false",
]);

const FIRST_SEGMENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const LATER_SEGMENT = /^[A-Za-z0-9_-]+$/;

/** True if `segment` can be printed as the first, bare segment of a selector. */
export function isBareFirstSegment(segment: string): boolean {
  return FIRST_SEGMENT.test(segment) && !KEYWORDS.has(segment);
}

/** Prints a selector: dotted where possible, `["odd key"]` otherwise. */
export function printSelector(path: Selector): string {
  return path
    .map((segment, i) => {
      if (i === 0) return segment;
      return LATER_SEGMENT.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`;
    })
    .join("");
}

/** Prints a value literal or selector. */
export function printValue(value: FilterValue): string {
  switch (value.kind) {
    case "string":
      return JSON.stringify(value.value);
    case "number":
      return String(value.value);
    case "bool":
      return String(value.value);
    case "selector":
      return printSelector(value.path);
  }
}

const PRECEDENCE = { or: 1, and: 2, not: 3, match: 4 } as const;

/** Prints an expression with the fewest parentheses that keep its structure. */
export function printFilter(expr: FilterExpr, minPrecedence = 0): string {
  const own = PRECEDENCE[expr.kind];
  let text: string;
  switch (expr.kind) {
    case "or":
    case "and":
      // Left-associative: the right operand needs parentheses at equal precedence.
      text = `${printFilter(expr.left, own)} ${expr.kind} ${printFilter(expr.right, own + 1)}`;
      break;
    case "not":
      text = `not ${printFilter(expr.operand, own)}`;
      break;
    case "match": {
      const selector = printSelector(expr.selector);
      const value = expr.value === undefined ? "" : printValue(expr.value);
      if (expr.operator === "in" || expr.operator === "not in")
        text = `${value} ${expr.operator} ${selector}`;
      else if (expr.operator === "is empty" || expr.operator === "is not empty")
        text = `${selector} ${expr.operator}`;
      else text = `${selector} ${expr.operator} ${value}`;
      break;
    }
  }
  return own < minPrecedence ? `(${text})` : text;
}
