/**
 * Go's duration syntax (`time.ParseDuration`), which Consul uses for every interval, timeout
 * and TTL in JSON ("10s", "1m30s", "250ms", "1.5h"), and its printing.
 *
 * Pure: no Node APIs.
 */
import { InvalidInputError } from "../../errors.js";

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Parses a Go duration into milliseconds (may be fractional or negative); throws {@link InvalidInputError}. */
export function parseGoDuration(text: string): number {
  let rest = text;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    if (rest.startsWith("-")) sign = -1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") throw new InvalidInputError(`invalid duration "${text}"`);
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < rest.length) {
    const match = PART.exec(rest);
    if (match === null) throw new InvalidInputError(`invalid duration "${text}"`);
    const [, amount = "", unit = ""] = match;
    total += Number(amount) * (UNIT_MS[unit] ?? Number.NaN);
  }
  if (!Number.isFinite(total)) throw new InvalidInputError(`invalid duration "${text}"`);
  return sign * total;
}

/**
 * A duration from Consul JSON: a Go duration string, or a number of nanoseconds (how Go's
 * `time.Duration` decodes from a JSON number).
 */
export function durationFromJson(value: unknown, field: string): number {
  if (typeof value === "number" && Number.isFinite(value)) return value / 1e6;
  if (typeof value === "string") {
    try {
      return parseGoDuration(value.trim());
    } catch {
      throw new InvalidInputError(`${field}: invalid duration "${value}"`);
    }
  }
  throw new InvalidInputError(`${field}: expected a duration such as "10s"`);
}

/** Prints milliseconds as Go would (`1m30s`, `250ms`, `0s`). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return "0s";
  const negative = ms < 0;
  let rest = Math.abs(ms);
  if (rest < 1000) return `${negative ? "-" : ""}${trim(rest)}ms`;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = rest / 1000;
  let out = "";
  if (hours > 0) out += `${hours}h`;
  if (hours > 0 || minutes > 0) out += `${minutes}m`;
  out += `${trim(seconds)}s`;
  return `${negative ? "-" : ""}${out}`;
}

function trim(n: number): string {
  return String(Number(n.toFixed(6)));
}
