/**
 * Normalized health check definitions, as the check runner executes them. Parsed from
 * Consul's JSON by ../catalog/service-definition.ts; plain data, so the agent can persist
 * them as JSON.
 */
import type { CheckStatus } from "../catalog/record.js";

/** Fields every check type has. */
export interface CheckCommon {
  readonly CheckID: string;
  readonly Name: string;
  readonly Notes: string;
  /** The owning service's ID; "" for a node-level check (`PUT /v1/agent/check/register`). */
  readonly ServiceID: string;
  /** The status the check starts in (Consul's default is critical). */
  readonly initialStatus: CheckStatus;
  /** Remove the service once this check has been critical this long. */
  readonly deregisterCriticalServiceAfterMs?: number;
  /** Output is truncated to this many bytes (at most 4096). */
  readonly outputMaxSize: number;
}

/** Consecutive-result thresholds of interval checks (Consul's StatusHandler). */
export interface CheckThresholds {
  readonly successBeforePassing: number;
  readonly failuresBeforeWarning: number;
  readonly failuresBeforeCritical: number;
}

/** An HTTP check: 2xx passing, 429 warning, anything else critical. */
export interface HttpCheckDefinition extends CheckCommon, CheckThresholds {
  readonly type: "http";
  readonly url: string;
  readonly method: string;
  readonly header: Readonly<Record<string, readonly string[]>>;
  readonly body: string;
  readonly tlsSkipVerify: boolean;
  readonly tlsServerName: string;
  readonly disableRedirects: boolean;
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

/** A TCP check: a successful connect is passing. */
export interface TcpCheckDefinition extends CheckCommon, CheckThresholds {
  readonly type: "tcp";
  /** `host:port` or `[v6]:port`. */
  readonly tcp: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

/** A TTL check: the application reports pass/warn/fail before the TTL runs out. */
export interface TtlCheckDefinition extends CheckCommon {
  readonly type: "ttl";
  readonly ttlMs: number;
}

/** Any check Shoal runs. */
export type CheckDefinition = HttpCheckDefinition | TcpCheckDefinition | TtlCheckDefinition;

/** Consul's default check timeout. */
export const DEFAULT_CHECK_TIMEOUT_MS = 10_000;

/** Consul's default (and Shoal's maximum) output size. */
export const MAX_OUTPUT_BYTES = 4096;
