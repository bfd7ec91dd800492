/**
 * Go's `time.ParseDuration` syntax ("200ms", "1.5s", "1m30s", "1h"), as Serf's JSON config and
 * flags take it, converted to milliseconds. A bare number is milliseconds, Shoal's extension so
 * JSON files can say `"probeInterval": 1000`.
 */
import { ConfigError } from "../../errors.js";

/** Milliseconds per unit, Go's unit names (both micro signs included, as Go accepts). */
const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  "\u00b5s": 1e-3,
  "\u03bcs": 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

const BARE_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const TERM = /(\d+(?:\.\d*)?|\.\d+)([a-zµμ]+)/y;

/** Outcome of {@link tryParseDuration}: milliseconds, or why the input is not a duration. */
export type DurationResult =
  { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly message: string };

/**
 * Parses a duration without throwing. Numbers are taken as milliseconds and must be finite;
 * strings are Go durations or bare (decimal) milliseconds.
 */
export function tryParseDuration(input: string | number): DurationResult {
  if (typeof input === "number") {
    return Number.isFinite(input)
      ? { ok: true, ms: input }
      : { ok: false, message: `${input} is not a duration` };
  }
  const text = input.trim();
  const bad: DurationResult = {
    ok: false,
    message: `${JSON.stringify(input)} is not a duration like "500ms", "1s" or "1m30s"`,
  };
  if (text === "") return bad;
  if (BARE_NUMBER.test(text)) return { ok: true, ms: Number(text) };
  let sign = 1;
  let i = 0;
  if (text[0] === "-" || text[0] === "+") {
    sign = text[0] === "-" ? -1 : 1;
    i = 1;
  }
  if (i === text.length) return bad;
  let total = 0;
  while (i < text.length) {
    TERM.lastIndex = i;
    const match = TERM.exec(text);
    if (match === null) return bad;
    const factor = UNIT_MS[match[2] ?? ""];
    if (factor === undefined) {
      return {
        ok: false,
        message: `${JSON.stringify(input)} has unknown unit "${match[2]}" (use ns, us, ms, s, m or h)`,
      };
    }
    total += Number(match[1]) * factor;
    i = TERM.lastIndex;
  }
  // Sub-millisecond terms leave floating-point dust ("1.1ms" = 1.1000000000000001); round to ns.
  return { ok: true, ms: sign * (Math.round(total * 1e6) / 1e6) };
}

/**
 * Parses a duration to milliseconds, throwing a {@link ConfigError} that names `field`.
 *
 * @example parseDuration("1m30s", "retryInterval") // 90000
 */
export function parseDuration(input: string | number, field: string): number {
  const result = tryParseDuration(input);
  if (!result.ok) throw new ConfigError([{ field, message: result.message }]);
  return result.ms;
}

/** Milliseconds as the shortest Go-style duration text ("1m30s", "200ms", "0s"), for help and logs. */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (!Number.isInteger(ms) || ms < 1_000) return `${ms}ms`;
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [
    ["h", 3_600_000],
    ["m", 60_000],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0) parts.push(`${rest / 1_000}s`);
  return parts.join("");
}
