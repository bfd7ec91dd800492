/**
 * The catalog store's public read and write shapes (kept apart from the store's logic so both
 * stay small). Pure: no Node APIs.
 */
import type { AgentService, CheckStatus, HealthCheck, NodeStatus } from "./record.js";

/** A check as the local agent hands it to the store; node and service fields are filled in. */
export interface LocalCheck {
  readonly CheckID: string;
  readonly Name: string;
  readonly Status: CheckStatus;
  readonly Notes: string;
  readonly Output: string;
  readonly Type: string;
}

/** What membership knows about a node, beyond its status. */
export interface NodeInfo {
  readonly address?: string;
  /** The node's UUID (Consul's node ID), if known. */
  readonly id?: string;
  /** Node metadata; Shoal uses the member's Serf tags. */
  readonly meta?: Readonly<Record<string, string>>;
}

/** A node as the read API shows it. */
export interface CatalogNode {
  readonly name: string;
  readonly id: string;
  readonly address: string;
  readonly meta: Readonly<Record<string, string>>;
  readonly status: NodeStatus;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

/** A check with the local indexes of its last change. */
export interface IndexedCheck extends HealthCheck {
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

/** A service with the local indexes of its last change. */
export interface IndexedService {
  readonly service: AgentService;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

/** One service instance with everything the health endpoints show about it. */
export interface CatalogInstance extends IndexedService {
  readonly node: CatalogNode;
  /** The service's own checks. */
  readonly checks: readonly IndexedCheck[];
  /** Node-level checks (the synthesized serfHealth first), which apply to every service of the node. */
  readonly nodeChecks: readonly IndexedCheck[];
}

/** Construction options. */
export interface CatalogStoreOptions {
  /** This agent's node name. */
  readonly node: string;
  /** This agent's advertised address. */
  readonly address: string;
  /** This start's generation: higher than every earlier start's (the caller persists it). */
  readonly generation: number;
  readonly nodeId?: string;
  readonly meta?: Readonly<Record<string, string>>;
  /** Monotonic milliseconds; tombstones expire by it. Defaults to `performance.now()`. */
  readonly clock?: () => number;
  /** How long deregistration tombstones are kept (default 1 h). */
  readonly tombstoneTtlMs?: number;
}
