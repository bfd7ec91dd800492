/**
 * Turns an agent's output into stamped lines and matched events. Each line is stamped with
 * the harness's wall clock when it arrives (Serf's own log stamps have 1 s resolution, so the
 * harness stamps both implementations the same way: BENCH-METHOD's "stamped when written, to
 * the millisecond", up to pipe latency, identical for both).
 */
import type { Readable } from "node:stream";

/** One recognised log event. */
export interface LogEvent {
  /**
   * `suspect`: this agent's own probe of the member failed (not a suspicion it was told of).
   * `joined`: its retry-join succeeded (subject empty).
   */
  readonly kind: "ready" | "joined" | "join" | "failed" | "left" | "update" | "user" | "suspect";
  /** The member's name, or the user event's name. */
  readonly subject: string;
  /** Harness wall-clock ms when the line arrived. */
  readonly atMs: number;
}

/** Recognises the lines of one implementation. */
export type LineParser = (line: string) => Omit<LogEvent, "atMs"> | undefined;

const SERF_PATTERNS: readonly [RegExp, LogEvent["kind"]][] = [
  [/serf: EventMemberJoin: (\S+)/, "join"],
  [/serf: EventMemberFailed: (\S+)/, "failed"],
  [/serf: EventMemberLeave: (\S+)/, "left"],
  [/serf: EventMemberUpdate: (\S+)/, "update"],
  [/agent: Received event: user-event: (\S+)/, "user"],
  [/memberlist: Suspect (\S+) has failed, no acks received/, "suspect"],
];

/** `serf agent` (0.8.x) log lines. */
export const parseSerfLine: LineParser = (line) => {
  if (line.includes("==> Serf agent running!")) return { kind: "ready", subject: "" };
  if (line.includes("agent: Join completed.")) return { kind: "joined", subject: "" };
  for (const [re, kind] of SERF_PATTERNS) {
    const m = re.exec(line);
    if (m?.[1] !== undefined) return { kind, subject: m[1] };
  }
  return undefined;
};

const SHOAL_PATTERNS: readonly [RegExp, LogEvent["kind"]][] = [
  [/^memberJoined: (\S+)/, "join"],
  [/^memberFailed: (\S+)/, "failed"],
  [/^memberLeft: (\S+)/, "left"],
  [/^memberUpdated: (\S+)/, "update"],
  [/^user event: (\S+)/, "user"],
  [/^Shoal agent running()/, "ready"],
  [/^retry-join: joined through()/, "joined"],
  [/^suspect (\S+): no acks received/, "suspect"],
];

/** `shoal agent` JSON log lines (pino). */
export const parseShoalLine: LineParser = (line) => {
  // Cheap prefilter: most lines are HTTP access logs.
  if (!line.includes('"component":"agent"')) return undefined;
  let msg: unknown;
  try {
    msg = (JSON.parse(line) as { msg?: unknown }).msg;
  } catch {
    return undefined;
  }
  if (typeof msg !== "string") return undefined;
  for (const [re, kind] of SHOAL_PATTERNS) {
    const m = re.exec(msg);
    if (m?.[1] !== undefined) return { kind, subject: m[1] };
  }
  return undefined;
};

/** Collects the events of one agent's stdout/stderr. */
export class LogWatch {
  readonly events: LogEvent[] = [];
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly parse: LineParser,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Reads lines from `stream` until it ends. */
  attach(stream: Readable): void {
    let rest = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      const atMs = this.clock();
      const lines = (rest + chunk).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) {
        const event = this.parse(line);
        if (event !== undefined) this.events.push({ ...event, atMs });
      }
      if (lines.length > 0) for (const listener of [...this.listeners]) listener();
    });
  }

  /** The first event of `kind` about `subject` at or after `sinceMs`. */
  first(kind: LogEvent["kind"], subject: string, sinceMs = 0): LogEvent | undefined {
    return this.events.find((e) => e.kind === kind && e.subject === subject && e.atMs >= sinceMs);
  }

  /** Distinct subjects of `kind` seen so far. */
  subjects(kind: LogEvent["kind"]): Set<string> {
    return new Set(this.events.filter((e) => e.kind === kind).map((e) => e.subject));
  }

  /** Calls `listener` after every chunk of lines; returns the remover. */
  onLines(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
