/**
 * Where a scenario's time went, read from the agents' own log lines: the join storm (start-up,
 * retry-join, false failures, the slowest agent) and the kill -9 (first failed probe, first
 * `failed`, independent accusers).
 */
import type { BenchAgent } from "./agents.js";
import { median } from "./curve.js";

/**
 * How the kill -9 scenario's first `failed` came about, from the agents' own log lines: when
 * the first agent's own probe of the dead agent failed (its suspicion starts the clock that
 * the suspicion timeout runs on), and how many agents' probes failed independently before the
 * first `failed` (Lifeguard's confirmations: two make the minimum timeout apply).
 */
export interface FailureDetail {
  /** ms from SIGKILL to the first agent's failed probe (null: none logged). */
  readonly firstSuspectMs: number | null;
  /** ms from SIGKILL to the first `failed` (null: none). */
  readonly firstFailedMs: number | null;
  /** Agents whose own probe failed before the first `failed`. */
  readonly suspectersBeforeFailed: number;
}

/** Where the join storm's time went, from the agents' log lines (process agents only). */
export interface FormationDetail {
  /** ms from the last spawn to the last agent's "running" line. */
  readonly lastReadyMs: number;
  /** Median over agents of ms from its "running" line to its retry-join succeeding. */
  readonly readyToJoinedMedianMs: number | null;
  /** ms from the last spawn to the last agent's retry-join succeeding. */
  readonly lastJoinedMs: number | null;
  /** `failed` lines logged during the storm (every one false: nobody was stopped). */
  readonly falseFailures: number;
  /** Failed probes logged during the storm (this agent's own probe got no ack). */
  readonly failedProbes: number;
  /** The slowest full view's last-learned member, and when (ms after the last agent running). */
  readonly slowest?: { readonly agent: string; readonly member: string; readonly afterReadyMs: number };
}

/** A member `agent` learned of, and when (its log's first `join` line about it). */
export interface Learned {
  readonly member: string;
  readonly atMs: number;
}

/**
 * The member of `cluster` that `agent` learned of last, once it has learned of them all (its
 * full view); undefined while any is missing.
 */
export function lastLearned(agent: BenchAgent, cluster: readonly BenchAgent[]): Learned | undefined {
  let last: Learned = { member: agent.name, atMs: 0 };
  for (const other of cluster) {
    if (other === agent) continue;
    const e = agent.watch.first("join", other.name);
    if (e === undefined) return undefined;
    if (e.atMs > last.atMs) last = { member: other.name, atMs: e.atMs };
  }
  return last;
}

/**
 * The join storm's timeline from `agents`' log lines (node 0 first); `fullViews[i]` is
 * `lastLearned(agents[i], agents)`.
 */
export function formationTimeline(
  agents: readonly BenchAgent[],
  fullViews: readonly (Learned | undefined)[],
  lastStartedMs: number,
  lastReadyMs: number,
): FormationDetail {
  const joiners = agents.slice(1);
  const joined = joiners.map((a) => a.watch.first("joined", "")?.atMs);
  const waits = joiners.flatMap((a, i) => {
    const ready = a.watch.first("ready", "")?.atMs;
    const at = joined[i];
    return ready === undefined || at === undefined ? [] : [at - ready];
  });
  const done = joined.filter((t): t is number => t !== undefined);
  const count = (kind: "failed" | "suspect"): number =>
    agents.reduce((n, a) => n + a.watch.events.filter((e) => e.kind === kind).length, 0);
  let slowest: FormationDetail["slowest"];
  fullViews.forEach((view, i) => {
    if (view === undefined || (slowest !== undefined && view.atMs - lastReadyMs <= slowest.afterReadyMs))
      return;
    slowest = { agent: agents[i]?.name ?? "", member: view.member, afterReadyMs: view.atMs - lastReadyMs };
  });
  return {
    lastReadyMs: lastReadyMs - lastStartedMs,
    readyToJoinedMedianMs: median(waits),
    lastJoinedMs: done.length === joiners.length ? Math.max(...done) - lastStartedMs : null,
    falseFailures: count("failed"),
    failedProbes: count("suspect"),
    ...(slowest === undefined ? {} : { slowest }),
  };
}

/** The kill -9 scenario's timeline: `dead` was killed at `killedMs`. */
export function failureTimeline(
  agents: readonly BenchAgent[],
  dead: string,
  killedMs: number,
): FailureDetail {
  const firstOf = (kind: "suspect" | "failed"): number[] =>
    agents.map((a) => a.watch.first(kind, dead, killedMs)?.atMs).filter((t): t is number => t !== undefined);
  const suspects = firstOf("suspect");
  const failed = firstOf("failed");
  const firstFailed = failed.length > 0 ? Math.min(...failed) : Number.POSITIVE_INFINITY;
  return {
    firstSuspectMs: suspects.length > 0 ? Math.min(...suspects) - killedMs : null,
    firstFailedMs: failed.length > 0 ? firstFailed - killedMs : null,
    suspectersBeforeFailed: suspects.filter((t) => t < firstFailed).length,
  };
}
