/**
 * What the HTTP API needs from the agent: a read-only {@link AgentView} and the commands of
 * {@link AgentControl}. The daemon implements both; tests use an in-memory agent
 * (test/support/in-memory-agent.ts). The HTTP layer never reaches past these interfaces.
 *
 * Error contract for AgentControl: reject with an {@link AgentApiError} to choose the status
 * code; an `InvalidInputError` (src/errors.ts) becomes 400, a `CryptoError` 400, a limit
 * error 413, anything else 500 with the error's message.
 */
import type { CatalogStore } from "../agent/catalog/catalog-store.js";
import type { CheckStatus } from "../agent/catalog/record.js";
import type { ServiceDefinition } from "../agent/catalog/service-definition.js";
import type { CheckRegisterResult, TtlUpdateResult } from "../agent/catalog/local-registry.js";
import type { CheckDefinition } from "../agent/checks/check-definition.js";
import type { ConvergenceReport } from "../agent/metrics/convergence-tracker.js";

export { AgentApiError } from "./api-error.js";

/** A member's status as Serf names it (Consul reports its index: none 0 … failed 4). */
export type MemberStatus = "none" | "alive" | "leaving" | "left" | "failed";

/** One gossip pool member. */
export interface MemberInfo {
  readonly name: string;
  readonly addr: string;
  readonly port: number;
  readonly tags: Readonly<Record<string, string>>;
  readonly status: MemberStatus;
  readonly protocolMin: number;
  readonly protocolMax: number;
  readonly protocolCur: number;
  readonly delegateMin: number;
  readonly delegateMax: number;
  readonly delegateCur: number;
}

/** This agent's self description (`/v1/agent/self`). */
export interface SelfInfo {
  readonly nodeName: string;
  readonly nodeId: string;
  readonly datacenter: string;
  readonly version: string;
  readonly revision: string;
  readonly member: MemberInfo;
  /** Node metadata. */
  readonly meta: Readonly<Record<string, string>>;
  /** Serf-style statistics by section (`agent`, `serf`, `runtime`…), shown by `shoal info`. */
  readonly stats: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** The effective configuration; unstable format, as Consul's DebugConfig. */
  readonly debugConfig: Readonly<Record<string, unknown>>;
}

/** A user event this agent fired or received. */
export interface UserEventInfo {
  /** A unique ID (Consul uses a UUID). */
  readonly id: string;
  readonly name: string;
  readonly payload: Uint8Array;
  /** Regular expressions limiting which nodes act on it (empty: all). */
  readonly nodeFilter: string;
  readonly serviceFilter: string;
  readonly tagFilter: string;
  /** The event's Lamport time (0 until known). */
  readonly lTime: number;
}

/** Event fire filters (`?node=`, `?service=`, `?tag=` regular expressions). */
export interface EventFilters {
  readonly node?: string;
  readonly service?: string;
  readonly tag?: string;
}

/** Log levels, lowest first. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"] as const;

/** One log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** One log line for `/v1/agent/monitor`. */
export interface LogLine {
  /** Wall-clock milliseconds since the epoch. */
  readonly timeMs: number;
  readonly level: LogLevel;
  readonly component?: string;
  readonly message: string;
  /** Structured fields, shown by `?logjson`. */
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** Serf's member event kinds. */
export type MemberEventKind =
  "member-join" | "member-leave" | "member-failed" | "member-update" | "member-reap";

/** One event of the `/v1/event/stream` feed. */
export type AgentStreamEvent =
  | { readonly type: "member"; readonly event: MemberEventKind; readonly members: readonly MemberInfo[] }
  | { readonly type: "user"; readonly event: UserEventInfo };

/** One keyring answer (per pool; Shoal has one, the LAN pool). */
export interface KeyringResponse {
  /** Base64 key to the number of nodes that have it. */
  readonly keys: Readonly<Record<string, number>>;
  /** Base64 primary key to the number of nodes using it. */
  readonly primaryKeys: Readonly<Record<string, number>>;
  readonly numNodes: number;
  /** Node name to error message, for nodes that failed. */
  readonly messages: Readonly<Record<string, string>>;
}

/** Cluster-wide gossip keyring operations; each may reject with a clear error. */
export interface KeyringControl {
  list(): Promise<readonly KeyringResponse[]>;
  install(key: string): Promise<readonly KeyringResponse[]>;
  use(key: string): Promise<readonly KeyringResponse[]>;
  remove(key: string): Promise<readonly KeyringResponse[]>;
}

/** A Serf query (`shoal query`, `POST /v1/shoal/query`). */
export interface QueryRequest {
  readonly name: string;
  readonly payload: Uint8Array;
  readonly filterNodes: readonly string[];
  readonly filterTags: Readonly<Record<string, string>>;
  readonly requestAck: boolean;
  readonly relayFactor: number;
  /** 0 means Serf's default. */
  readonly timeoutMs: number;
}

/**
 * Observes a query while it runs, so answers can be passed on as they arrive (Serf's CLI
 * prints each one at once) rather than when the query closes.
 */
export interface QueryListener {
  /** The query went out; an invalid one rejects instead and never calls this. */
  dispatched?(): void;
  ack?(from: string): void;
  response?(from: string, payload: Uint8Array): void;
}

/** What a Serf query collected before it closed. */
export interface QueryResult {
  readonly acks: readonly string[];
  readonly responses: readonly { readonly from: string; readonly payload: Uint8Array }[];
}

/** The read-only view of the agent the HTTP API serves from. */
export interface AgentView {
  self(): SelfInfo;
  /** The gossip pool as this agent sees it (including left and failed members). */
  members(): readonly MemberInfo[];
  /** The replicated catalog (the API only reads it; writes go through {@link AgentControl}). */
  readonly catalog: CatalogReader;
  /** Recent user events, oldest first (Consul keeps the last 256). */
  events(): readonly UserEventInfo[];
  /**
   * Member and user events as handlers see them (after any coalescing); returns the
   * unsubscribe function.
   */
  subscribeEvents(listener: (event: AgentStreamEvent) => void): () => void;
  /**
   * User events as {@link events} gains them, before any coalescing delays the stream; the
   * event list's blocking index follows this. Without it, user events of
   * {@link subscribeEvents} drive the index.
   */
  subscribeEventList?(listener: (event: UserEventInfo) => void): () => void;
  /** Log lines as they are written; returns the unsubscribe function. */
  subscribeLogs(listener: (line: LogLine) => void): () => void;
  /** Convergence digests and delays (`/v1/shoal/convergence`); 501 without it. */
  convergence?(): ConvergenceReport;
}

/** The catalog methods the API reads. */
export type CatalogReader = Pick<
  CatalogStore,
  | "nodeName"
  | "index"
  | "serviceIndex"
  | "nodeIndex"
  | "waitForChange"
  | "nodes"
  | "node"
  | "serviceNames"
  | "instances"
  | "nodeServices"
  | "nodeChecks"
  | "allChecks"
  | "serviceChecks"
  | "localServices"
  | "localService"
  | "localChecks"
  | "localCheck"
>;

/** Commands. Every method's promise settles once the change is in effect (and durable, where it persists). */
export interface AgentControl {
  /** Joins through each address; resolves with how many were contacted. Rejects if none. */
  join(addresses: readonly string[], wan: boolean): Promise<number>;
  /** A graceful leave; the agent shuts down afterwards. */
  leave(): Promise<void>;
  /** Moves a failed member to left; `prune` erases it from the member list. */
  forceLeave(node: string, prune: boolean): Promise<void>;
  /** Fires a user event. */
  fireEvent(
    name: string,
    payload: Uint8Array,
    filters: EventFilters,
    coalesce: boolean,
  ): Promise<UserEventInfo>;
  /** Registers (or replaces) a local service; resolves after the registration is persisted. */
  registerService(
    definition: ServiceDefinition,
    options: { readonly replaceExistingChecks: boolean },
  ): Promise<void>;
  /** Deregisters a local service; resolves false if it was not registered. */
  deregisterService(id: string): Promise<boolean>;
  /**
   * Registers (or replaces) a local check, node-level when its ServiceID is ""; resolves
   * "unknown-service" for a ServiceID not registered here, else after it is persisted.
   */
  registerCheck(check: CheckDefinition): Promise<CheckRegisterResult>;
  /** Deregisters a registered local check; resolves false if there is none with this ID. */
  deregisterCheck(checkId: string): Promise<boolean>;
  /** A TTL check report (pass/warn/fail/update); `note` becomes the output. */
  updateTtlCheck(checkId: string, status: CheckStatus, note: string): Promise<TtlUpdateResult>;
  /** Node maintenance (no `serviceId`) or service maintenance; resolves false for an unknown service. */
  setMaintenance(enable: boolean, reason: string, serviceId?: string): Promise<boolean>;
  readonly keyring: KeyringControl;
  /** Changes this agent's Serf tags; resolves with the resulting tags. Optional (501 without it). */
  setTags?(
    set: Readonly<Record<string, string>>,
    remove: readonly string[],
  ): Promise<Readonly<Record<string, string>>>;
  /** Runs a Serf query to completion, telling `listener` as it goes. Optional (501 without it). */
  query?(request: QueryRequest, listener?: QueryListener): Promise<QueryResult>;
}
