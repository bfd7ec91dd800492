/**
 * The catalog's data model: Consul's AgentService and HealthCheck shapes (field names kept as
 * Consul spells them, so the HTTP layer and the filter language need no renaming), and the
 * per-node, per-service versioned entries that gossip replicates.
 *
 * Pure: no Node APIs.
 */

/** A health check's status, as Consul reports it. */
export type CheckStatus = "passing" | "warning" | "critical";

/** Every {@link CheckStatus}, for validation. */
export const CHECK_STATUSES: readonly CheckStatus[] = ["passing", "warning", "critical"];

/** True when `value` is a {@link CheckStatus}. */
export function isCheckStatus(value: unknown): value is CheckStatus {
  return value === "passing" || value === "warning" || value === "critical";
}

/** A service's address under a name such as `lan` or `wan`. */
export interface TaggedAddress {
  readonly Address: string;
  readonly Port: number;
}

/** DNS SRV weights (Consul keeps them; Shoal does too, for clients that read them). */
export interface ServiceWeights {
  readonly Passing: number;
  readonly Warning: number;
}

/** One service instance on one node: Consul's AgentService. */
export interface AgentService {
  /** Unique per node (not cluster-wide); defaults to the name. */
  readonly ID: string;
  /** The logical service name many instances share. */
  readonly Service: string;
  readonly Tags: readonly string[];
  readonly Meta: Readonly<Record<string, string>>;
  readonly Port: number;
  /** Empty means "use the node's address". */
  readonly Address: string;
  readonly TaggedAddresses?: Readonly<Record<string, TaggedAddress>>;
  readonly Weights: ServiceWeights;
  readonly EnableTagOverride: boolean;
}

/** One health check result: Consul's HealthCheck. */
export interface HealthCheck {
  readonly Node: string;
  readonly CheckID: string;
  readonly Name: string;
  readonly Status: CheckStatus;
  readonly Notes: string;
  readonly Output: string;
  /** Empty for node-level checks. */
  readonly ServiceID: string;
  readonly ServiceName: string;
  readonly ServiceTags: readonly string[];
  /** `http`, `tcp`, `ttl`, `maintenance`, or empty (serfHealth). */
  readonly Type: string;
}

/**
 * A per-node version. `generation` is bumped (and persisted by the agent) at every start, so a
 * restarted agent's versions are always above its earlier ones; `counter` counts changes
 * within one generation.
 */
export interface Version {
  readonly generation: number;
  readonly counter: number;
}

/** The lowest version; below every real one. */
export const ZERO_VERSION: Version = { generation: 0, counter: 0 };

/** Orders versions: negative if `a` is older than `b`, 0 if equal, positive if newer. */
export function compareVersions(a: Version, b: Version): number {
  return a.generation !== b.generation ? a.generation - b.generation : a.counter - b.counter;
}

/** The newer of two versions. */
export function maxVersion(a: Version, b: Version): Version {
  return compareVersions(a, b) >= 0 ? a : b;
}

/**
 * The entry ID under which a node's own checks (not tied to a service, such as node
 * maintenance) are replicated. Consul service IDs cannot be empty, so it never collides.
 */
export const NODE_ENTRY_ID = "";

/**
 * The unit of replication: one service of one node with its checks, or a tombstone
 * (`service === null`, no checks) after a deregistration. The entry {@link NODE_ENTRY_ID}
 * carries node-level checks and never a service.
 */
export interface ServiceEntry {
  readonly id: string;
  readonly version: Version;
  readonly service: AgentService | null;
  readonly checks: readonly HealthCheck[];
}

/**
 * One gossiped change: a node's entry at a version. The owner's address travels along so a
 * record can be shown before membership has reported the node.
 */
export interface ServiceUpdate {
  readonly node: string;
  readonly address: string;
  readonly entry: ServiceEntry;
}

/** What membership says about a node; it drives the synthesized `serfHealth` check. */
export type NodeStatus = "alive" | "failed" | "left" | "reaped";

/** A node's full replicated record, as exchanged in push/pull. */
export interface NodeState {
  readonly node: string;
  readonly address: string;
  readonly entries: readonly ServiceEntry[];
}

/**
 * A full catalog as exchanged in push/pull. `from` names the sender, whose own record is
 * complete up to `fromVersion` (its current version): any entry of the sender at or below it
 * that the record lacks is stale.
 */
export interface FullState {
  readonly from: string;
  readonly fromVersion: Version;
  readonly nodes: readonly NodeState[];
}

/** The default weights Consul applies when a registration gives none. */
export const DEFAULT_WEIGHTS: ServiceWeights = { Passing: 1, Warning: 1 };

/** The synthesized node check's ID and name, as Consul's servers spell them. */
export const SERF_HEALTH = {
  checkId: "serfHealth",
  name: "Serf Health Status",
  aliveOutput: "Agent alive and reachable",
  failedOutput: "Agent not live or unreachable",
} as const;
