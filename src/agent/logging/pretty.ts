/**
 * A small human-readable log formatter for `--log-format pretty` (no pino-pretty dependency):
 * one line per record, `time LEVEL [component] message key=value ...`.
 */
import type { DestinationStream } from "pino";

/** Fields the line's fixed columns already show, or that are noise on a terminal. */
const SHOWN = new Set(["time", "level", "msg", "component", "pid", "hostname"]);

const COLORS: Readonly<Record<string, string>> = {
  trace: "\u001b[90m",
  debug: "\u001b[36m",
  info: "\u001b[32m",
  warn: "\u001b[33m",
  error: "\u001b[31m",
  fatal: "\u001b[35m",
};
const RESET = "\u001b[0m";

/** A value as `key=value` text: bare when unambiguous, JSON-quoted otherwise. */
function formatValue(value: unknown): string {
  if (typeof value === "string") return /^[^\s="\\]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === "object" && value !== null && "message" in value && "type" in value) {
    // pino's error serializer: {type, message, stack}. The stack stays out of a one-line format.
    return JSON.stringify(`${text(value.type)}: ${text(value.message)}`);
  }
  return JSON.stringify(value) ?? String(value);
}

function text(value: unknown): string {
  return typeof value === "string" ? value : formatValue(value);
}

/** Formats one pino JSON record as a single line (without the trailing newline). */
export function formatPrettyLine(record: Readonly<Record<string, unknown>>, colors = false): string {
  const level = typeof record["level"] === "string" ? record["level"] : String(record["level"]);
  const label = level.toUpperCase().padEnd(5);
  const parts = [
    typeof record["time"] === "string" ? record["time"] : new Date(Number(record["time"])).toISOString(),
    colors ? `${COLORS[level] ?? ""}${label}${RESET}` : label,
  ];
  if (record["component"] !== undefined) parts.push(`[${text(record["component"])}]`);
  if (record["msg"] !== undefined) parts.push(text(record["msg"]));
  for (const [key, value] of Object.entries(record)) {
    if (!SHOWN.has(key)) parts.push(`${key}=${formatValue(value)}`);
  }
  return parts.join(" ").replace(/[\r\n]+/g, " ");
}

/** A pino destination that rewrites each JSON line as a pretty line onto `target`. */
export function prettyDestination(target: DestinationStream, colors = false): DestinationStream {
  return {
    write(line: string): void {
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        target.write(line); // not ours to judge; pass it through untouched
        return;
      }
      target.write(`${formatPrettyLine(record as Record<string, unknown>, colors)}\n`);
    },
  };
}
