/**
 * Turns what a user wrote (flag/env text, or a JSON value from a config file) into the typed
 * value of one option, then checks it against the option's schema. Returns a message instead
 * of throwing so the loader can collect every problem in one pass.
 */
import { Value } from "@sinclair/typebox/value";
import { ValueErrorType, type ValueError } from "@sinclair/typebox/errors";
import { formatDuration, tryParseDuration } from "./duration.js";
import { OPTION_SCHEMAS, optionMeta, type OptionName } from "./schema.js";

/** A parsed value, or why the input was refused (the message quotes the input). */
export type Coerced =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

/** Where a value came from: flag/env text items (one per occurrence/list item) or JSON. */
export type RawValue = { readonly text: readonly string[] } | { readonly json: unknown };

const fail = (message: string): Coerced => ({ ok: false, message });
const ok = (value: unknown): Coerced => ({ ok: true, value });

/** JSON text of a value, shortened so one bad key cannot flood the error. */
export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Go's `strconv.ParseBool` spellings, case-insensitive. */
function parseBool(text: string): boolean | undefined {
  const lower = text.trim().toLowerCase();
  if (lower === "1" || lower === "t" || lower === "true") return true;
  if (lower === "0" || lower === "f" || lower === "false") return false;
  return undefined;
}

function splitPair(item: string): [string, string] | undefined {
  const eq = item.indexOf("=");
  return eq > 0 ? [item.slice(0, eq), item.slice(eq + 1)] : undefined;
}

function fromText(name: OptionName, items: readonly string[]): Coerced {
  const meta = optionMeta(name);
  const last = items[items.length - 1] ?? "";
  switch (meta.kind) {
    case "string":
      return ok(last);
    case "integer":
      return /^[+-]?\d+$/.test(last.trim()) ? ok(Number(last)) : fail(`${show(last)} is not an integer`);
    case "boolean": {
      const b = parseBool(last);
      return b === undefined ? fail(`${show(last)} is not a boolean (true or false)`) : ok(b);
    }
    case "duration": {
      const d = tryParseDuration(last);
      return d.ok ? ok(d.ms) : fail(d.message);
    }
    case "enum":
      return ok(normalizeEnum(name, last));
    case "list":
      return ok([...items]);
    case "map": {
      const out: Record<string, string> = {};
      for (const item of items) {
        const pair = splitPair(item);
        if (pair === undefined) return fail(`${show(item)} is not key=value`);
        out[pair[0]] = pair[1];
      }
      return ok(out);
    }
    case "passthrough":
      return fail("can only be set in a config file");
  }
}

function normalizeEnum(name: OptionName, text: string): string {
  const lower = text.trim().toLowerCase();
  return optionMeta(name).enumAliases?.[lower] ?? lower;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fromJson(name: OptionName, value: unknown): Coerced {
  const meta = optionMeta(name);
  switch (meta.kind) {
    case "string":
      return typeof value === "string" ? ok(value) : fail(`expected a string, got ${show(value)}`);
    case "integer":
      return typeof value === "number" ? ok(value) : fail(`expected an integer, got ${show(value)}`);
    case "boolean":
      return typeof value === "boolean" ? ok(value) : fail(`expected true or false, got ${show(value)}`);
    case "duration": {
      if (typeof value !== "string" && typeof value !== "number") {
        return fail(`expected a duration such as "1s" or a number of milliseconds, got ${show(value)}`);
      }
      const d = tryParseDuration(value);
      return d.ok ? ok(d.ms) : fail(d.message);
    }
    case "enum":
      return typeof value === "string"
        ? ok(normalizeEnum(name, value))
        : fail(`expected a string, got ${show(value)}`);
    case "list":
      return Array.isArray(value) && value.every((v) => typeof v === "string")
        ? ok([...value])
        : fail(`expected an array of strings, got ${show(value)}`);
    case "map":
      return isPlainObject(value) && Object.values(value).every((v) => typeof v === "string")
        ? ok({ ...value })
        : fail(`expected an object of string values, got ${show(value)}`);
    case "passthrough":
      return Array.isArray(value)
        ? ok([...(value as unknown[])])
        : fail(`expected an array, got ${show(value)}`);
  }
}

function bound(name: OptionName, n: unknown): string {
  return optionMeta(name).kind === "duration" && typeof n === "number" ? formatDuration(n) : String(n);
}

/** A readable message for the first schema violation of option `name`'s value. */
function describe(name: OptionName, error: ValueError, shown: string): string {
  const s = error.schema;
  switch (error.type) {
    case ValueErrorType.Union:
      return `${shown} is not one of ${(s.anyOf as { const: string }[]).map((a) => a.const).join(", ")}`;
    case ValueErrorType.Integer:
      return `${shown} is not an integer`;
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.IntegerMinimum:
      return `${shown} is below the minimum of ${bound(name, s.minimum)}`;
    case ValueErrorType.NumberExclusiveMinimum:
    case ValueErrorType.IntegerExclusiveMinimum:
      return `${shown} must be greater than ${bound(name, s.exclusiveMinimum)}`;
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMaximum:
      return `${shown} is above the maximum of ${bound(name, s.maximum)}`;
    case ValueErrorType.StringPattern:
      return `${shown} ${optionMeta(name).patternText ?? `does not match ${String(s.pattern)}`}`;
    case ValueErrorType.StringMinLength:
      return "must not be empty";
    case ValueErrorType.StringMaxLength:
      return `${shown} is longer than ${String(s.maxLength)} characters`;
    default:
      return `${shown}: ${error.message}${error.path === "" ? "" : ` at ${error.path}`}`;
  }
}

/**
 * Parses and schema-checks one value of option `name`. Durations come back in milliseconds,
 * enum spellings normalized (`INFO` → `info`, Serf's `err` → `error`).
 */
export function coerceOption(name: OptionName, raw: RawValue): Coerced {
  const parsed = "text" in raw ? fromText(name, raw.text) : fromJson(name, raw.json);
  if (!parsed.ok) return parsed;
  const schema = OPTION_SCHEMAS[name];
  const first = Value.Errors(schema, parsed.value).First();
  if (first === undefined) return parsed;
  const original = "text" in raw ? (raw.text[raw.text.length - 1] ?? "") : raw.json;
  return fail(describe(name, first, show(original)));
}
