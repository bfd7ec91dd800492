/**
 * Messages between the convergence benchmark and its multi-agent host processes
 * (`bench/agent-host.ts`), over the Node IPC channel of `child_process.fork`. Every request
 * carries an `id`; the host answers with the same `id`. Per-agent answers list the host's
 * agents in `indices` order. All times are wall-clock ms (`Date.now()`) taken in the host
 * when the event happened, i.e. the line is "stamped when written" (BENCH-METHOD).
 */
import type { BenchProfile } from "./agents.js";

/** How every agent of a host is configured (argv[2] of the host, as JSON). */
export interface HostConfig {
  readonly profile: BenchProfile;
  readonly fanout?: number;
  readonly intervalMs?: number;
  /** Agent i binds 127.0.0.1:(portBase + i). */
  readonly portBase: number;
  /** Index of the agent every other agent retry-joins. */
  readonly seedIndex: number;
  readonly retryIntervalMs: number;
}

/** A request from the benchmark. */
export type HostRequest =
  | { readonly id: number; readonly op: "start"; readonly indices: readonly number[] }
  | { readonly id: number; readonly op: "fire"; readonly index: number; readonly name: string }
  | { readonly id: number; readonly op: "crash"; readonly index: number }
  /** Per agent: when it had first seen every agent 0..count-1 but itself join, else null. */
  | { readonly id: number; readonly op: "fullView"; readonly count: number }
  /** Per agent: the first event of `kind` about `subject` at or after `sinceMs`, else null. */
  | {
      readonly id: number;
      readonly op: "first";
      readonly kind: "join" | "failed" | "user";
      readonly subject: string;
      readonly sinceMs: number;
    }
  /** Counters; `reset` starts a new event-loop-delay window (else the window since the last reset). */
  | { readonly id: number; readonly op: "stats"; readonly reset: boolean };

/** Counters of one host, summed over its agents since start. */
export interface HostCounters {
  /** `memberSuspected` events seen (an agent learning that some member is suspect). */
  readonly suspectEvents: number;
  /** `memberFailed` events seen. */
  readonly failedEvents: number;
  /** Times an agent refuted a suspicion about itself. */
  readonly refutations: number;
  /** Largest timer lateness any agent's runtime saw (its Lifeguard input), ms. */
  readonly runtimeLoopDelayMaxMs: number;
  /** The host's event-loop delay (perf_hooks histogram) since the last reset: max and p99, ms. */
  readonly loopDelayMaxMs: number;
  readonly loopDelayP99Ms: number;
  readonly udpBytesSent: number;
  readonly tcpBytesSent: number;
  /** Failed join attempts (retry-join). */
  readonly joinRetries: number;
  readonly errors: number;
  /** Per running agent: members it holds as alive (itself included). */
  readonly aliveViews: readonly number[];
}

/** An answer from a host (fields by request: `start`/`fire`/`crash` give `atMs`, `fullView`/`first` give `times`). */
export interface HostReply {
  readonly id: number;
  readonly error?: string;
  /** The host's agents, in the order of `times`. */
  readonly indices?: readonly number[];
  readonly atMs?: number;
  readonly times?: readonly (number | null)[];
  readonly counters?: HostCounters;
}
