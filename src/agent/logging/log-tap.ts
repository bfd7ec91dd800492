/**
 * A pino destination that writes the agent's log lines to its real output (stdout) and also
 * hands every record to live subscribers (`/v1/agent/monitor`, `shoal monitor`).
 *
 * A subscriber may want lines below the configured output level (`shoal monitor --log-level
 * debug` against an agent at `info`), as Consul's monitor allows. So the logger runs at the
 * lowest level anyone wants ({@link LogTap.captureLevel}) and this destination drops, from
 * the output, what is below the configured level. pino tells the destination each line's
 * level through its metadata protocol, so the output path never parses JSON; records are
 * parsed only while someone subscribes.
 */
import pino, { type DestinationStream, type Logger } from "pino";
import type { LogLevel } from "../config/schema.js";

/** One parsed pino record (`time`, `level`, `msg`, `component` and any fields). */
export type LogRecord = Readonly<Record<string, unknown>>;

/** Receives records at or above the level it subscribed with. */
export type LogListener = (record: LogRecord) => void;

function levelValue(level: LogLevel): number {
  return pino.levels.values[level] ?? 30;
}

/** See the file comment. */
export class LogTap implements DestinationStream {
  // pino's metadata protocol: with this flag set, pino stores each line's level on the
  // destination (lastLevel and friends) right before calling write().
  readonly [pino.symbols.needsMetadataGsym] = true as const;
  lastLevel = 0;
  lastTime = "";
  lastMsg = "";
  lastObj: object = {};
  lastLogger: Logger | undefined;

  private outputLevel: LogLevel;
  private readonly listeners = new Map<LogListener, number>();

  constructor(
    private readonly target: DestinationStream,
    level: LogLevel,
    /** Called whenever {@link captureLevel} may have changed. */
    private readonly onCaptureLevelChange: () => void = () => undefined,
  ) {
    this.outputLevel = level;
  }

  write(line: string): void {
    if (this.lastLevel >= levelValue(this.outputLevel)) this.target.write(line);
    if (this.listeners.size === 0) return;
    let record: LogRecord;
    try {
      record = JSON.parse(line) as LogRecord;
    } catch {
      return; // not a pino record; nothing to hand on
    }
    for (const [listener, minimum] of [...this.listeners]) {
      if (this.lastLevel >= minimum) listener(record);
    }
  }

  /** The configured output level. */
  level(): LogLevel {
    return this.outputLevel;
  }

  /** Changes the output level (SIGHUP reload). */
  setLevel(level: LogLevel): void {
    this.outputLevel = level;
    this.onCaptureLevelChange();
  }

  /** Subscribes to records at `level` and above; returns the unsubscribe function. */
  subscribe(listener: LogListener, level: LogLevel): () => void {
    this.listeners.set(listener, levelValue(level));
    this.onCaptureLevelChange();
    return () => {
      if (this.listeners.delete(listener)) this.onCaptureLevelChange();
    };
  }

  /** The level the logger must run at: the lowest of the output level and every subscriber's. */
  captureLevel(): LogLevel {
    let lowest = levelValue(this.outputLevel);
    for (const minimum of this.listeners.values()) lowest = Math.min(lowest, minimum);
    const found = Object.entries(pino.levels.values).find(([, value]) => value === lowest);
    return (found?.[0] as LogLevel | undefined) ?? this.outputLevel;
  }
}
