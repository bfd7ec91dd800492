/**
 * The agent's pino root logger: JSON lines on stdout (12-factor), or a one-line pretty format
 * for terminals. Components log through `child(component)`. The level can change at runtime
 * (SIGHUP reload): pino children copy their level when created, so every descendant is
 * tracked (weakly) and updated together. Every line also passes a {@link LogTap}, from which
 * `/v1/agent/monitor` streams.
 */
import pino, { type DestinationStream, type Logger } from "pino";
import type { LogLevel } from "../config/schema.js";
import { LogTap, type LogListener } from "./log-tap.js";
import { prettyDestination } from "./pretty.js";

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Initial level (default `info`). */
  readonly level?: LogLevel;
  /** `json` (default) or `pretty`. */
  readonly format?: "json" | "pretty";
  /** Where lines go (default stdout). */
  readonly destination?: DestinationStream;
  /** Fields on every line, e.g. `{ node: "web-1" }`. */
  readonly base?: Readonly<Record<string, unknown>>;
  /** ANSI colours in pretty format (default: when stdout is a TTY). */
  readonly colors?: boolean;
}

/** The root logger plus runtime level control. */
export interface AgentLogger {
  /** The root pino logger. */
  readonly root: Logger;
  /** A child logger tagged `component` (plus any extra bindings). */
  child(component: string, bindings?: Readonly<Record<string, unknown>>): Logger;
  /** Changes the level of the root and every child, existing and future. */
  setLevel(level: LogLevel): void;
  /** The current level. */
  level(): LogLevel;
  /**
   * Receives every record at `level` and above, even below the output level (the logger then
   * runs at the lower level while subscribed). Returns the unsubscribe function.
   */
  subscribe(listener: LogListener, level: LogLevel): () => void;
}

/** Creates the agent's root logger. */
export function createLogger(options: LoggerOptions = {}): AgentLogger {
  const children = new Set<WeakRef<Logger>>();
  const pretty = options.format === "pretty";
  const target = options.destination ?? pino.destination({ dest: 1, sync: true });
  const output = pretty ? prettyDestination(target, options.colors ?? process.stdout.isTTY) : target;
  // The tap filters the output by the configured level; pino itself runs at the capture level.
  const tap = new LogTap(output, options.level ?? "info", () => applyLevel(tap.captureLevel()));
  const root = pino(
    {
      level: tap.captureLevel(),
      base: { pid: process.pid, ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level names instead of pino's numbers: greppable and readable without tooling.
      formatters: { level: (label) => ({ level: label }) },
      onChild: (child) => {
        children.add(new WeakRef(child));
      },
    },
    tap,
  );
  function applyLevel(level: LogLevel): void {
    root.level = level;
    for (const ref of children) {
      const child = ref.deref();
      if (child === undefined) children.delete(ref);
      else child.level = level;
    }
  }
  return {
    root,
    child: (component, bindings = {}) => root.child({ ...bindings, component }),
    setLevel: (level) => tap.setLevel(level),
    level: () => tap.level(),
    subscribe: (listener, level) => tap.subscribe(listener, level),
  };
}
