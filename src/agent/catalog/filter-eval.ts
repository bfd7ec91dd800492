/**
 * Evaluation of filter expressions against the JSON objects an endpoint returns, with
 * go-bexpr's semantics as Consul documents them:
 *
 * - selectors walk objects by key; an array met *inside* a path fans out, and the match holds
 *   if it holds for any element (`Checks.Status == "critical"`), so the whole parent element
 *   is kept when one nested item matches;
 * - a missing map key reads as the empty string (`ServiceMeta.env is empty` is true without
 *   `env`);
 * - `in`/`contains` test membership in an array, a key in a map, or a substring of a string;
 * - `matches` is an unanchored regular expression in RE2's syntax (a leading `(?i)`, `(?s)` or
 *   `(?m)` sets the flag), run in linear time by ./filter-regex.ts: filters come from clients,
 *   and JavaScript's backtracking RegExp would let one pattern stall the agent;
 * - numbers and booleans compare with their literal or quoted forms (`Port == 80`,
 *   `Port == "80"`).
 *
 * Selectors are checked against the endpoint's response schema when one is given, so a typo
 * is a 400 with a message rather than a filter that silently matches nothing.
 */
import type { TSchema } from "@sinclair/typebox";
import type { FilterExpr, FilterValue, MatchOperator, Selector } from "./filter-ast.js";
import { printSelector } from "./filter-ast.js";
import { FilterError, parseFilter } from "./filter-parser.js";
import { compileRegex, RegexSyntaxError, type TextMatcher } from "./filter-regex.js";

/** A compiled filter. */
export type FilterPredicate = (item: unknown) => boolean;

type Leaf = unknown;

function hasOwn(value: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(value, key);
}

/** The candidate values a selector reaches from `root` (arrays inside the path fan out). */
export function resolveSelector(root: unknown, path: Selector): Leaf[] {
  let current: unknown[] = [root];
  path.forEach((segment) => {
    const next: unknown[] = [];
    for (const value of current) {
      const items = Array.isArray(value) ? (value as unknown[]) : [value];
      for (const item of items) {
        if (item !== null && typeof item === "object" && !Array.isArray(item)) {
          next.push(hasOwn(item, segment) ? (item as Record<string, unknown>)[segment] : undefined);
        }
      }
    }
    current = next;
  });
  return current;
}

function scalarText(value: unknown): string | undefined {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

function equals(leaf: Leaf, operand: unknown): boolean {
  if (Array.isArray(leaf)) return leaf.some((element) => equals(element, operand));
  if (typeof leaf === "number") {
    const n =
      typeof operand === "number"
        ? operand
        : typeof operand === "string" && operand.trim() !== ""
          ? Number(operand)
          : NaN;
    return n === leaf;
  }
  if (typeof leaf === "boolean") return String(leaf) === scalarText(operand);
  if (leaf !== null && typeof leaf === "object") return false;
  const text = scalarText(leaf);
  return text !== undefined && text === scalarText(operand);
}

function contains(leaf: Leaf, operand: unknown): boolean {
  if (Array.isArray(leaf)) return leaf.some((element) => equals(element, operand));
  const needle = scalarText(operand);
  if (needle === undefined) return false;
  if (typeof leaf === "string") return leaf.includes(needle);
  if (leaf !== null && typeof leaf === "object") return hasOwn(leaf, needle);
  return false;
}

function isEmpty(leaf: Leaf): boolean {
  if (leaf === undefined || leaf === null || leaf === "") return true;
  if (Array.isArray(leaf)) return leaf.length === 0;
  if (typeof leaf === "object") return Object.keys(leaf).length === 0;
  return false;
}

function regexOf(pattern: string): TextMatcher {
  try {
    return compileRegex(pattern);
  } catch (error) {
    if (!(error instanceof RegexSyntaxError)) throw error;
    throw new FilterError(
      `filter: invalid regular expression ${JSON.stringify(pattern)}: ${error.message}`,
      0,
    );
  }
}

function matchesRegex(leaf: Leaf, regex: TextMatcher): boolean {
  if (Array.isArray(leaf)) return leaf.some((element) => matchesRegex(element, regex));
  const text = scalarText(leaf);
  return text !== undefined && regex.test(text);
}

function operandOf(value: FilterValue | undefined, root: unknown): unknown {
  if (value === undefined) return undefined;
  if (value.kind === "selector") return resolveSelector(root, value.path)[0];
  return value.value;
}

function positive(operator: MatchOperator): MatchOperator {
  switch (operator) {
    case "!=":
      return "==";
    case "not in":
      return "in";
    case "not contains":
      return "contains";
    case "not matches":
      return "matches";
    case "is not empty":
      return "is empty";
    default:
      return operator;
  }
}

function compileMatch(expr: Extract<FilterExpr, { kind: "match" }>): FilterPredicate {
  const base = positive(expr.operator);
  const negate = base !== expr.operator;
  const regex = base === "matches" && expr.value?.kind === "string" ? regexOf(expr.value.value) : undefined;
  const test = (leaf: Leaf, operand: unknown): boolean => {
    switch (base) {
      case "==":
        return equals(leaf, operand);
      case "in":
      case "contains":
        return contains(leaf, operand);
      case "matches":
        return regex !== undefined && matchesRegex(leaf, regex);
      default:
        return isEmpty(leaf);
    }
  };
  return (item) => {
    const operand = operandOf(expr.value, item);
    return resolveSelector(item, expr.selector).some((leaf) => test(leaf, operand) !== negate);
  };
}

function compileExpr(expr: FilterExpr): FilterPredicate {
  switch (expr.kind) {
    case "and": {
      const left = compileExpr(expr.left);
      const right = compileExpr(expr.right);
      return (item) => left(item) && right(item);
    }
    case "or": {
      const left = compileExpr(expr.left);
      const right = compileExpr(expr.right);
      return (item) => left(item) || right(item);
    }
    case "not": {
      const operand = compileExpr(expr.operand);
      return (item) => !operand(item);
    }
    case "match":
      return compileMatch(expr);
  }
}

/** True if `path` names something in `schema` (objects by key, records by any key, arrays fan out). */
export function selectorExists(schema: TSchema, path: Selector): boolean {
  const walk = (node: TSchema, at: number): boolean => {
    const s = node as Record<string, unknown>;
    if (Array.isArray(s["anyOf"])) return (s["anyOf"] as TSchema[]).some((branch) => walk(branch, at));
    if (s["type"] === "array" && s["items"] !== undefined) {
      return at === path.length || walk(s["items"] as TSchema, at);
    }
    if (at === path.length) return true;
    const segment = path[at] ?? "";
    if (s["type"] === "object") {
      const properties = s["properties"] as Record<string, TSchema> | undefined;
      const property = properties?.[segment];
      if (property !== undefined) return walk(property, at + 1);
      const patterns = s["patternProperties"] as Record<string, TSchema> | undefined;
      const additional = s["additionalProperties"];
      const open =
        Object.values(patterns ?? {})[0] ??
        (typeof additional === "object" ? (additional as TSchema) : undefined);
      return open !== undefined && walk(open, at + 1);
    }
    return false;
  };
  return walk(schema, 0);
}

function checkSelectors(expr: FilterExpr, schema: TSchema): void {
  switch (expr.kind) {
    case "and":
    case "or":
      checkSelectors(expr.left, schema);
      checkSelectors(expr.right, schema);
      return;
    case "not":
      checkSelectors(expr.operand, schema);
      return;
    case "match":
      for (const path of [expr.selector, ...(expr.value?.kind === "selector" ? [expr.value.path] : [])]) {
        if (!selectorExists(schema, path)) {
          throw new FilterError(`filter: selector "${printSelector(path)}" is not valid`, 0);
        }
      }
  }
}

/**
 * Parses and compiles `source`. With `schema` (the endpoint's item schema), unknown
 * selectors are rejected. Throws {@link FilterError} only.
 */
export function compileFilter(source: string, schema?: TSchema): FilterPredicate {
  const expr = parseFilter(source);
  if (schema !== undefined) checkSelectors(expr, schema);
  return compileExpr(expr);
}
