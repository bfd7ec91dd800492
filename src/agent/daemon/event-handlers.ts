/**
 * Runs the agent's event handler scripts the way Serf's agent does (`agent/event_handler.go`,
 * `agent/invoke.go`), so handlers written for `serf agent -event-handler` work unchanged:
 * `/bin/sh -c SCRIPT`, the same `SERF_*` environment, member lines or the payload on stdin,
 * and, for queries, the output of a handler that exits 0 becomes this node's response.
 */
import { spawn } from "node:child_process";
import {
  parseEventHandlerSpec,
  type EventHandlerSpec,
  type EventType,
} from "../config/event-handler-spec.js";
import type { MemberEventKind, MemberInfo } from "../../http-api/agent-view.js";
import type { SwimEvent } from "../../swim/core/api.js";
import type { CoalescedEvent, CoalescibleUserEvent } from "../../swim/core/serf/coalesce.js";
import { memberInfo } from "./member-info.js";

/** Serf keeps the last 8 KB of a handler's output; so do we. */
const OUTPUT_LIMIT = 8 * 1024;
/** Serf warns when a handler runs longer than this. */
const SLOW_HANDLER_MS = 1_000;

const MEMBER_EVENT = {
  memberJoined: "member-join",
  memberLeft: "member-leave",
  memberFailed: "member-failed",
  memberUpdated: "member-update",
  memberReaped: "member-reap",
} as const satisfies Partial<Record<SwimEvent["kind"], MemberEventKind>>;

/** An event a handler may react to. */
export type HandlerEvent =
  | { readonly type: MemberEventKind; readonly members: readonly MemberInfo[] }
  | { readonly type: "user"; readonly name: string; readonly payload: Uint8Array; readonly lTime: number }
  | { readonly type: "query"; readonly name: string; readonly payload: Uint8Array; readonly lTime: number };

/** What the runner needs from the agent. */
export interface EventHandlerHost {
  readonly selfName: string;
  /** The local tags at the time the event is handled. */
  tags(): Readonly<Record<string, string>>;
  log(level: "debug" | "info" | "warn", message: string): void;
}

/** The outcome of one handler run. */
interface RunResult {
  readonly code: number | null;
  readonly output: Buffer;
}

/**
 * Dispatches events to matching handlers, one event at a time in arrival order (Serf handles
 * events serially too, so a handler that appends to a file sees them in order).
 */
export class EventHandlerRunner {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private specs: readonly EventHandlerSpec[],
    private readonly host: EventHandlerHost,
  ) {}

  /** A runner for the configured spec strings (already validated by the config checks). */
  static fromConfig(specs: readonly string[], host: EventHandlerHost): EventHandlerRunner {
    return new EventHandlerRunner(parseSpecs(specs), host);
  }

  /**
   * Replaces the handlers (SIGHUP), as Serf's `UpdateScripts` does: events dispatched from now
   * on run the new scripts; events already queued keep the scripts they matched, so the one
   * chain still runs every event in arrival order.
   */
  reload(specs: readonly string[]): void {
    this.specs = parseSpecs(specs);
  }

  /**
   * Hands a query straight from the core to the matching handlers (queries are never
   * coalesced; member and user events come through {@link onCoalescedEvent}). Internal
   * `_serf_*` queries are the agent's own business (key rotation, pings, name conflicts), as
   * in Serf, and never reach a handler.
   */
  onSwimEvent(event: SwimEvent, respond: (id: number, lTime: number, output: Uint8Array) => void): void {
    if (!this.active || event.kind !== "queryReceived" || event.name.startsWith("_serf_")) return;
    this.dispatch({ type: "query", name: event.name, payload: event.payload, lTime: event.lTime }, (out) =>
      respond(event.id, event.lTime, out),
    );
  }

  /** Hands a member or user event to the matching handlers once coalescing let it go. */
  onCoalescedEvent(event: CoalescedEvent<CoalescibleUserEvent & { readonly payload: Uint8Array }>): void {
    if (!this.active) return;
    if (event.kind === "userEventReceived") {
      this.dispatch({ type: "user", name: event.name, payload: event.payload, lTime: event.lTime });
    } else {
      this.dispatch({ type: MEMBER_EVENT[event.kind], members: event.members.map(memberInfo) });
    }
  }

  /** True when at least one handler is configured. */
  get active(): boolean {
    return this.specs.length > 0;
  }

  /**
   * Runs every handler that matches `event`. For a query, `respond` receives the output of the
   * first handler that exits 0 with output (Serf answers a query at most once).
   */
  dispatch(event: HandlerEvent, respond?: (output: Uint8Array) => void): void {
    const matching = this.specs.filter((spec) => matches(spec, event));
    if (matching.length === 0) return;
    this.chain = this.chain.then(async () => {
      let answered = false;
      for (const spec of matching) {
        const result = await this.run(spec.script, event);
        if (result.code !== 0) {
          this.host.log(
            "warn",
            `event handler for ${event.type} exited with ${String(result.code)}: ${result.output.toString("utf8").trim()}`,
          );
          continue;
        }
        if (event.type === "query" && !answered && respond !== undefined && result.output.length > 0) {
          answered = true;
          respond(new Uint8Array(result.output));
        }
      }
    });
  }

  /** Resolves once every dispatched handler has finished. */
  idle(): Promise<void> {
    return this.chain;
  }

  private run(script: string, event: HandlerEvent): Promise<RunResult> {
    const started = Date.now();
    return new Promise((resolve) => {
      const child = spawn("/bin/sh", ["-c", script], {
        env: { ...process.env, ...handlerEnv(this.host.selfName, this.host.tags(), event) },
        stdio: ["pipe", "pipe", "pipe"],
      });
      let output = Buffer.alloc(0);
      const collect = (chunk: Buffer): void => {
        output = Buffer.concat([output, chunk]);
        if (output.length > OUTPUT_LIMIT) output = output.subarray(output.length - OUTPUT_LIMIT);
      };
      child.stdout.on("data", collect);
      child.stderr.on("data", collect);
      // A handler that does not read its stdin must not fail the run with EPIPE.
      child.stdin.on("error", () => undefined);
      child.stdin.end(handlerStdin(event));
      child.once("error", (error) => {
        this.host.log("warn", `event handler could not start: ${error.message}`);
        resolve({ code: null, output });
      });
      child.once("close", (code) => {
        const ms = Date.now() - started;
        if (ms > SLOW_HANDLER_MS) this.host.log("warn", `event handler took ${ms} ms: ${script}`);
        resolve({ code, output });
      });
    });
  }
}

/** Parses spec strings, skipping invalid ones (the config checks reported those already). */
function parseSpecs(specs: readonly string[]): EventHandlerSpec[] {
  return specs.map(parseEventHandlerSpec).filter((s): s is EventHandlerSpec => typeof s !== "string");
}

function matches(spec: EventHandlerSpec, event: HandlerEvent): boolean {
  return spec.filters.some((f) => {
    if (f.event === "*") return true;
    if (f.event !== (event.type as EventType)) return false;
    if (f.name === undefined || (event.type !== "user" && event.type !== "query")) return true;
    return f.name === event.name;
  });
}

/** Serf's environment: `SERF_EVENT`, `SERF_SELF_*`, `SERF_TAG_*` and the event's own fields. */
export function handlerEnv(
  selfName: string,
  tags: Readonly<Record<string, string>>,
  event: HandlerEvent,
): Record<string, string> {
  const env: Record<string, string> = {
    SERF_EVENT: event.type,
    SERF_SELF_NAME: selfName,
    SERF_SELF_ROLE: tags["role"] ?? "",
  };
  for (const [key, value] of Object.entries(tags)) {
    env[`SERF_TAG_${key.toUpperCase().replace(/[^A-Z0-9_]/g, "_")}`] = value;
  }
  if (event.type === "user") {
    env["SERF_USER_EVENT"] = event.name;
    env["SERF_USER_LTIME"] = String(event.lTime);
  } else if (event.type === "query") {
    env["SERF_QUERY_NAME"] = event.name;
    env["SERF_QUERY_LTIME"] = String(event.lTime);
  }
  return env;
}

/** Member events: one `name\taddr\trole\tk=v,...` line each; user events and queries: the payload. */
export function handlerStdin(event: HandlerEvent): Buffer {
  if (event.type === "user" || event.type === "query") {
    const payload = Buffer.from(event.payload);
    return payload.length > 0 && payload[payload.length - 1] !== 0x0a
      ? Buffer.concat([payload, Buffer.from("\n")])
      : payload;
  }
  const escape = (s: string): string => s.replace(/\t/g, "\\t").replace(/\n/g, "\\n");
  const lines = event.members.map((m) => {
    const tags = Object.entries(m.tags)
      .map(([k, v]) => `${escape(k)}=${escape(v)}`)
      .join(",");
    return `${escape(m.name)}\t${m.addr}\t${escape(m.tags["role"] ?? "")}\t${tags}\n`;
  });
  return Buffer.from(lines.join(""));
}
