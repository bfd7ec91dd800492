/** How a pino record of the agent's log becomes a `/v1/agent/monitor` line. */
import type { LogRecord } from "../logging/log-tap.js";
import { LOG_LEVELS, type LogLevel, type LogLine } from "../../http-api/agent-view.js";

/** Fields every record carries that a monitor line shows elsewhere, or that are noise there. */
const SHOWN = new Set(["time", "level", "msg", "component", "pid", "hostname"]);

/** A pino record (ISO `time`, level name, `msg`, `component`, fields) as a {@link LogLine}. */
export function logLineOf(record: LogRecord): LogLine {
  const time = record["time"];
  const timeMs = typeof time === "string" ? Date.parse(time) : typeof time === "number" ? time : Date.now();
  const rawLevel = record["level"];
  const level: LogLevel = LOG_LEVELS.find((l) => l === rawLevel) ?? "info";
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) if (!SHOWN.has(key)) fields[key] = value;
  const component = record["component"];
  const msg = record["msg"];
  return {
    timeMs: Number.isNaN(timeMs) ? Date.now() : timeMs,
    level,
    ...(typeof component === "string" ? { component } : {}),
    message: typeof msg === "string" ? msg : "",
    ...(Object.keys(fields).length > 0 ? { fields } : {}),
  };
}
