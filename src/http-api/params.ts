/**
 * Query parameter parsing with Consul's conventions: a bare `?passing` is true, repeated
 * parameters (`?tag=a&tag=b`) are lists, and a bad value is a 400 naming the parameter.
 */
import type { TSchema } from "@sinclair/typebox";
import { compileFilter, FilterError, type FilterPredicate } from "../agent/catalog/filter.js";
import { badRequest } from "./api-error.js";

/** A parsed query string as fastify gives it. */
export type Query = Readonly<Record<string, string | readonly string[] | undefined>>;

/** The first value of a possibly repeated parameter. */
export function single(query: Query, name: string): string | undefined {
  const value = query[name];
  return Array.isArray(value) ? (value as readonly string[])[0] : (value as string | undefined);
}

/** Every value of a repeatable parameter. */
export function list(query: Query, name: string): readonly string[] {
  const value = query[name];
  if (value === undefined) return [];
  return typeof value === "string" ? [value] : value;
}

const TRUE = new Set(["", "1", "t", "T", "true", "TRUE", "True"]);
const FALSE = new Set(["0", "f", "F", "false", "FALSE", "False"]);

/** A boolean flag: absent is false, present without a value is true, else Go's ParseBool. */
export function flag(query: Query, name: string): boolean {
  const value = single(query, name);
  if (value === undefined) return false;
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw badRequest(`Invalid value for ?${name}: "${value}"`);
}

/** A compiled `?filter=`, or undefined when absent or empty. */
export function filterParam(query: Query, schema: TSchema): FilterPredicate | undefined {
  const source = single(query, "filter");
  if (source === undefined || source.trim() === "") return undefined;
  try {
    return compileFilter(source, schema);
  } catch (error) {
    if (error instanceof FilterError)
      throw badRequest(`Failed to create boolean expression evaluator: ${error.message}`);
    throw error;
  }
}

/** Applies an optional filter. */
export function applyFilter<T>(items: readonly T[], predicate: FilterPredicate | undefined): T[] {
  return predicate === undefined ? [...items] : items.filter((item) => predicate(item));
}

/** `?node-meta=key:value` pairs (repeatable, all must match). */
export function nodeMetaParam(query: Query): readonly (readonly [string, string])[] {
  return list(query, "node-meta").map((pair) => {
    const colon = pair.indexOf(":");
    if (colon <= 0) throw badRequest(`Invalid node-meta "${pair}": expected key:value`);
    return [pair.slice(0, colon), pair.slice(colon + 1)] as const;
  });
}

/** True if `meta` has every pair. */
export function metaMatches(
  meta: Readonly<Record<string, string>>,
  pairs: readonly (readonly [string, string])[],
): boolean {
  return pairs.every(([k, v]) => Object.prototype.hasOwnProperty.call(meta, k) && meta[k] === v);
}

/** Rejects a `?dc=` naming another datacenter: a Shoal agent only knows its own. */
export function checkDatacenter(query: Query, datacenter: string): void {
  const dc = single(query, "dc");
  if (dc !== undefined && dc !== "" && dc !== datacenter) throw badRequest(`No path to datacenter "${dc}"`);
}
