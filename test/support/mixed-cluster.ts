/**
 * Helpers for clusters that mix real `shoal agent` and `serf agent` processes: one way to ask
 * either kind what it sees, event handlers that record what reached a node, and a log of the
 * measured times that the interop tests print at the end.
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { serfMembers, waitFor, type SerfAgent } from "./serf-agent.js";
import type { ShoalAgent } from "./shoal-agent.js";

/** Either kind of agent. */
export type AnyAgent =
  | { readonly kind: "shoal"; readonly agent: ShoalAgent }
  | { readonly kind: "serf"; readonly agent: SerfAgent };

/** A member as both kinds can report it: Serf's status words. */
export interface SeenMember {
  readonly name: string;
  readonly status: string;
  readonly tags: Readonly<Record<string, string>>;
}

const STATUS_WORDS = ["none", "alive", "leaving", "left", "failed"] as const;

/** The members `observer` sees, from `serf members` or `/v1/agent/members`. */
export async function membersSeenBy(observer: AnyAgent): Promise<SeenMember[]> {
  if (observer.kind === "serf") return serfMembers(observer.agent.rpcAddr);
  const members =
    await observer.agent.get<{ Name: string; Status: number; Tags: Record<string, string> }[]>(
      "/v1/agent/members",
    );
  return members.map((m) => ({ name: m.Name, status: STATUS_WORDS[m.Status] ?? "none", tags: m.Tags }));
}

/** Polls until `observer` reports `name` with a member matching `check`; returns the wait in ms. */
export async function waitUntilSeen(
  observer: AnyAgent,
  name: string,
  check: (member: SeenMember) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<number> {
  const started = Date.now();
  let last: SeenMember | undefined;
  try {
    await waitFor(
      `${observer.agent.name} sees ${name} ${what}`,
      async () => {
        last = (await membersSeenBy(observer)).find((m) => m.name === name);
        return last !== undefined && check(last) ? true : undefined;
      },
      timeoutMs,
    );
  } catch (error) {
    // Say what was seen instead: "failed, not left" points at the bug, a bare timeout does not.
    throw new Error(`${(error as Error).message}; last seen: ${JSON.stringify(last ?? "absent")}`);
  }
  return Date.now() - started;
}

/** Polls until `observer` reports `name` with `status`; returns the wait in ms. */
export function waitForStatus(
  observer: AnyAgent,
  name: string,
  status: string,
  timeoutMs = 30_000,
): Promise<number> {
  return waitUntilSeen(observer, name, (m) => m.status === status, status, timeoutMs);
}

/** Wraps agents of either kind. */
export const shoal = (agent: ShoalAgent): AnyAgent => ({ kind: "shoal", agent });
export const serf = (agent: SerfAgent): AnyAgent => ({ kind: "serf", agent });

/**
 * Event handler specs (the same text works for `serf agent -event-handler` and `shoal agent
 * --event-handler`): user events are appended to `DIR/<node>.events` as `name payload` lines,
 * and queries are answered with `<kind>:<node>`.
 */
export function recordingHandlers(dir: string, kind: "serf" | "shoal"): string[] {
  return [
    `user=printf '%s %s\\n' "$SERF_USER_EVENT" "$(cat)" >> '${dir}'/"$SERF_SELF_NAME".events`,
    `query=printf '${kind}:%s' "$SERF_SELF_NAME"`,
  ];
}

/** The `name payload` lines the recording handler wrote for `node` so far. */
export async function recordedEvents(dir: string, node: string): Promise<string[]> {
  try {
    return (await readFile(join(dir, `${node}.events`), "utf8")).split("\n").filter((l) => l !== "");
  } catch {
    return [];
  }
}

/** Measured durations, printed once at the end of a file so runs can be compared. */
export class Timings {
  private readonly rows: string[] = [];

  constructor(private readonly title: string) {}

  /** Records `ms` under `label`, and returns it. */
  add(label: string, ms: number): number {
    this.rows.push(`${label}: ${ms} ms`);
    return ms;
  }

  /** Prints every recorded row. */
  print(): void {
    if (this.rows.length > 0) console.log(`${this.title}\n  ${this.rows.join("\n  ")}`);
  }
}

/** What a query collected, and when the last awaited response arrived. */
export interface QueryAnswers {
  readonly acks: readonly string[];
  readonly responses: Readonly<Record<string, string>>;
  /** Milliseconds from the start until every awaited response was in. */
  readonly completeMs: number;
}

/**
 * Runs `serf query NAME` and stops it as soon as every node in `awaited` responded (or at its
 * `-timeout`): the text format prints acks and responses as they arrive, so a generous timeout
 * for a loaded machine costs nothing when all goes well.
 */
export function serfQueryUntil(
  rpcAddr: string,
  name: string,
  awaited: readonly string[],
  timeoutS = 20,
): Promise<QueryAnswers> {
  const started = Date.now();
  const child = spawn("serf", ["query", `-rpc-addr=${rpcAddr}`, `-timeout=${timeoutS}s`, name], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const acks: string[] = [];
  const responses: Record<string, string> = {};
  let buffered = "";
  return new Promise((resolve, reject) => {
    let completeMs = -1;
    const finish = (): void => resolve({ acks, responses, completeMs });
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        const ack = /^Ack from '(.*)'$/.exec(line);
        if (ack?.[1] !== undefined) acks.push(ack[1]);
        const response = /^Response from '(.*?)': (.*)$/.exec(line);
        if (response?.[1] !== undefined) responses[response[1]] = response[2] ?? "";
      }
      if (completeMs < 0 && awaited.every((n) => n in responses)) {
        completeMs = Date.now() - started;
        // Give straggling acks a moment, then end the command (by pid) instead of waiting it out.
        setTimeout(() => {
          if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, "SIGTERM");
        }, 300);
      }
    });
    child.once("error", reject);
    child.once("exit", finish);
  });
}
