/**
 * The gossip-replicated service catalog of one agent.
 *
 * Every agent is the only writer of its own node's entries (`putLocalService` and friends);
 * other nodes' entries arrive through {@link CatalogStore.applyRemote} (gossip) and
 * {@link CatalogStore.mergeFullState} (push/pull). The merge rule is last-writer-wins per
 * (node, service ID) on the owner's version (generation, counter), which is safe because
 * there is exactly one writer per node. Deregistrations are versioned tombstones, so an old
 * live entry that is still being gossiped cannot resurrect a deleted service.
 *
 * When stale information about this agent itself arrives (typically entries from before a
 * restart that the agent no longer holds), the agent refutes it, as SWIM refutes suspicion:
 * it re-stamps its own entry, or a tombstone, at a newer version and broadcasts that.
 *
 * Reads are for the HTTP API. A local monotonic index (Consul's `X-Consul-Index`) is bumped
 * on every visible change, globally and per service name and node, for blocking queries.
 */
import { canonicalJson, DigestBuilder } from "./canonical.js";
import type {
  CatalogInstance,
  CatalogNode,
  CatalogStoreOptions,
  IndexedCheck,
  IndexedService,
  LocalCheck,
  NodeInfo,
} from "./catalog-types.js";
import { ChangeWaiters } from "./change-waiters.js";
import {
  type AgentService,
  type CheckStatus,
  type FullState,
  type HealthCheck,
  type NodeState,
  type NodeStatus,
  type ServiceEntry,
  type ServiceUpdate,
  type Version,
  compareVersions,
  NODE_ENTRY_ID,
  SERF_HEALTH,
  ZERO_VERSION,
} from "./record.js";

interface StoredEntry extends ServiceEntry {
  readonly createIndex: number;
  readonly modifyIndex: number;
  readonly changedAtMs: number;
}

interface NodeRecord {
  readonly name: string;
  /** The owner's address as it gossips it. */
  gossipAddress: string;
  info: NodeInfo;
  status: NodeStatus | undefined;
  readonly entries: Map<string, StoredEntry>;
  /** After a leave or reap: updates at or below this version are stale and ignored. */
  floor: Version | undefined;
  createIndex: number;
  modifyIndex: number;
}

const DEFAULT_TOMBSTONE_TTL_MS = 60 * 60 * 1000;

function isTombstone(entry: ServiceEntry): boolean {
  return entry.id !== NODE_ENTRY_ID && entry.service === null;
}

function instanceKey(node: string, id: string): string {
  return `${node}\u0000${id}`;
}

export type {
  CatalogInstance,
  CatalogNode,
  CatalogStoreOptions,
  IndexedCheck,
  IndexedService,
  LocalCheck,
  NodeInfo,
} from "./catalog-types.js";

/** The replicated catalog. See the file comment for the rules. */
export class CatalogStore {
  /** This agent's node name. */
  readonly nodeName: string;
  private readonly records = new Map<string, NodeRecord>();
  /** Service name to the instance keys (`node\0id`) of its live entries. */
  private readonly byName = new Map<string, Set<string>>();
  private readonly serviceIndexes = new Map<string, number>();
  private readonly waiters = new ChangeWaiters();
  private readonly localListeners = new Set<(update: ServiceUpdate) => void>();
  private readonly changeListeners = new Set<(index: number) => void>();
  private readonly clock: () => number;
  private readonly tombstoneTtlMs: number;
  private currentIndex = 1;
  private localVersion: Version;
  private digestCache: string | undefined;

  constructor(options: CatalogStoreOptions) {
    this.nodeName = options.node;
    this.clock = options.clock ?? (() => performance.now());
    this.tombstoneTtlMs = options.tombstoneTtlMs ?? DEFAULT_TOMBSTONE_TTL_MS;
    this.localVersion = { generation: options.generation, counter: 0 };
    const info: NodeInfo = {
      address: options.address,
      ...(options.nodeId === undefined ? {} : { id: options.nodeId }),
      ...(options.meta === undefined ? {} : { meta: options.meta }),
    };
    this.records.set(options.node, {
      name: options.node,
      gossipAddress: options.address,
      info,
      status: "alive",
      entries: new Map(),
      floor: undefined,
      createIndex: 1,
      modifyIndex: 1,
    });
  }

  // ---------------------------------------------------------------------------------------
  // Indexes and change notification

  /** The local monotonic index (Consul's `X-Consul-Index`); bumped on every visible change. */
  get index(): number {
    return this.currentIndex;
  }

  /** The index of the last change that affected service `name` (0 if it never existed). */
  serviceIndex(name: string): number {
    return this.serviceIndexes.get(name) ?? 0;
  }

  /** The index of the last change that affected node `name` (0 if unknown). */
  nodeIndex(name: string): number {
    return this.records.get(name)?.modifyIndex ?? 0;
  }

  /** The current (generation, counter) of this agent's own entries. */
  get version(): Version {
    return this.localVersion;
  }

  /**
   * Resolves once `indexOf()` (by default the global index) exceeds `index`, or after
   * `timeoutMs`, or when `signal` aborts; with the index at that moment. Never rejects.
   */
  waitForChange(
    index: number,
    timeoutMs: number,
    signal?: AbortSignal,
    indexOf: () => number = () => this.currentIndex,
  ): Promise<number> {
    return this.waiters.wait(index, timeoutMs, indexOf, signal);
  }

  /** Number of pending blocking queries. */
  get pendingWaits(): number {
    return this.waiters.size;
  }

  /** Calls `listener` with every change of this agent's own entries, to be gossiped. */
  onLocalUpdate(listener: (update: ServiceUpdate) => void): () => void {
    this.localListeners.add(listener);
    return () => this.localListeners.delete(listener);
  }

  /** Calls `listener` with the new index after every visible change. */
  onChange(listener: (index: number) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  // ---------------------------------------------------------------------------------------
  // Local writes (this agent's own node)

  /** Registers or replaces one of this agent's services with its checks; returns the update to gossip. */
  putLocalService(service: AgentService, checks: readonly LocalCheck[]): ServiceUpdate {
    if (service.ID === NODE_ENTRY_ID) throw new RangeError("a service ID cannot be empty");
    return this.writeLocal(service.ID, service, checks);
  }

  /** Deregisters one of this agent's services (a tombstone); undefined if it is not registered. */
  removeLocalService(id: string): ServiceUpdate | undefined {
    const entry = this.self().entries.get(id);
    if (entry === undefined || entry.service === null || id === NODE_ENTRY_ID) return undefined;
    return this.writeLocal(id, null, []);
  }

  /** Replaces this agent's node-level checks (node maintenance and the like). */
  putLocalNodeChecks(checks: readonly LocalCheck[]): ServiceUpdate {
    return this.writeLocal(NODE_ENTRY_ID, null, checks);
  }

  /**
   * Sets one local check's status and output. Returns the update to gossip, or undefined if
   * the check is unknown or nothing changed.
   */
  setLocalCheck(checkId: string, status: CheckStatus, output: string): ServiceUpdate | undefined {
    for (const entry of this.self().entries.values()) {
      const check = entry.checks.find((c) => c.CheckID === checkId);
      if (check === undefined) continue;
      if (check.Status === status && check.Output === output) return undefined;
      const checks = entry.checks.map((c) =>
        c.CheckID === checkId ? { ...c, Status: status, Output: output } : c,
      );
      return this.writeLocal(entry.id, entry.service, checks);
    }
    return undefined;
  }

  /** One of this agent's services, or undefined. */
  localService(id: string): AgentService | undefined {
    return this.self().entries.get(id)?.service ?? undefined;
  }

  /** This agent's services, sorted by ID. */
  localServices(): AgentService[] {
    return this.entriesOf(this.self())
      .map((e) => e.service)
      .filter((s): s is AgentService => s !== null);
  }

  /** This agent's own checks (service and node-level; not serfHealth), sorted by ID. */
  localChecks(): IndexedCheck[] {
    return this.entriesOf(this.self())
      .flatMap((e) => this.indexedChecks(e))
      .sort((a, b) => (a.CheckID < b.CheckID ? -1 : a.CheckID > b.CheckID ? 1 : 0));
  }

  /** The checks of one of this agent's services (or of the node entry), by check ID. */
  localChecksOf(serviceId: string): Map<string, IndexedCheck> {
    const entry = this.self().entries.get(serviceId);
    return new Map((entry === undefined ? [] : this.indexedChecks(entry)).map((c) => [c.CheckID, c]));
  }

  /** One of this agent's own checks, or undefined. */
  localCheck(checkId: string): IndexedCheck | undefined {
    return this.localChecks().find((c) => c.CheckID === checkId);
  }

  /** Every local entry at the current version, to re-gossip after a start. */
  localUpdates(): ServiceUpdate[] {
    const self = this.self();
    return this.entriesOf(self).map((entry) => ({
      node: self.name,
      address: self.gossipAddress,
      entry: plainEntry(entry),
    }));
  }

  private writeLocal(id: string, service: AgentService | null, checks: readonly LocalCheck[]): ServiceUpdate {
    const self = this.self();
    this.localVersion = { generation: this.localVersion.generation, counter: this.localVersion.counter + 1 };
    const entry: ServiceEntry = {
      id,
      version: this.localVersion,
      service,
      checks: checks.map((c) => this.completeCheck(self.name, service, c)),
    };
    this.store(self, entry);
    const update: ServiceUpdate = { node: self.name, address: self.gossipAddress, entry };
    for (const listener of [...this.localListeners]) listener(update);
    this.changed();
    return update;
  }

  private completeCheck(node: string, service: AgentService | null, check: LocalCheck): HealthCheck {
    return {
      Node: node,
      CheckID: check.CheckID,
      Name: check.Name,
      Status: check.Status,
      Notes: check.Notes,
      Output: check.Output,
      ServiceID: service?.ID ?? "",
      ServiceName: service?.Service ?? "",
      ServiceTags: service?.Tags ?? [],
      Type: check.Type,
    };
  }

  // ---------------------------------------------------------------------------------------
  // Remote writes

  /** Applies one gossiped update; true if anything was stored (so the caller re-gossips it). */
  applyRemote(update: ServiceUpdate): boolean {
    if (update.node === this.nodeName) {
      this.refute(update.entry);
      return false;
    }
    const changed = this.applyEntry(update.node, update.address, update.entry);
    if (changed) this.changed();
    return changed;
  }

  /**
   * Merges a full catalog from a push/pull. The sender's own record is complete up to its
   * version, so entries of the sender that it no longer has are dropped (this is how pruned
   * tombstones stay safe). Returns true if anything changed.
   */
  mergeFullState(state: FullState): boolean {
    let changed = false;
    for (const node of state.nodes) {
      if (node.node === this.nodeName) {
        for (const entry of node.entries) this.refute(entry);
        continue;
      }
      for (const entry of node.entries) {
        if (this.applyEntry(node.node, node.address, entry)) changed = true;
      }
      if (node.node === state.from && this.dropAbsent(node, state.fromVersion)) changed = true;
    }
    if (changed) this.changed();
    return changed;
  }

  /** Everything this agent knows, for a push/pull. */
  fullState(): FullState {
    const nodes: NodeState[] = [];
    for (const record of this.records.values()) {
      if (record.status === "left" || record.status === "reaped") continue;
      const entries = this.entriesOf(record).map(plainEntry);
      if (entries.length === 0) continue;
      nodes.push({ node: record.name, address: record.gossipAddress, entries });
    }
    return { from: this.nodeName, fromVersion: this.localVersion, nodes };
  }

  private applyEntry(nodeName: string, address: string, entry: ServiceEntry): boolean {
    const record = this.recordFor(nodeName, address);
    if (record.floor !== undefined && compareVersions(entry.version, record.floor) <= 0) return false;
    const existing = record.entries.get(entry.id);
    if (existing !== undefined && compareVersions(entry.version, existing.version) <= 0) return false;
    record.gossipAddress = address;
    this.store(record, entry);
    return true;
  }

  private dropAbsent(sender: NodeState, senderVersion: Version): boolean {
    const record = this.records.get(sender.node);
    if (record === undefined) return false;
    const present = new Set(sender.entries.map((e) => e.id));
    let visible = false;
    for (const entry of [...record.entries.values()]) {
      // Newer than the sender's state: we heard it after the sender built its state; keep it.
      if (present.has(entry.id) || compareVersions(entry.version, senderVersion) > 0) continue;
      this.unindex(record, entry);
      record.entries.delete(entry.id);
      if (!isTombstone(entry)) {
        visible = true;
        this.touch(record, entry, undefined);
      }
    }
    return visible;
  }

  /** Stale or foreign information about this agent: re-assert our own entry at a newer version. */
  private refute(remote: ServiceEntry): void {
    if (compareVersions(remote.version, this.localVersion) > 0) {
      // Our generation was not persisted across a restart (or two starts raced): jump past it.
      this.localVersion = remote.version;
    }
    const mine = this.self().entries.get(remote.id);
    if (mine === undefined) {
      if (remote.service === null && remote.checks.length === 0) return;
      this.writeLocal(remote.id, null, []);
      return;
    }
    const order = compareVersions(remote.version, mine.version);
    if (order < 0) return;
    if (order === 0 && sameContent(remote, mine)) return;
    this.writeLocal(mine.id, mine.service, mine.checks);
  }

  // ---------------------------------------------------------------------------------------
  // Membership

  /**
   * Records what membership says about a node. `failed` turns its serfHealth check critical;
   * `left` and `reaped` remove its services (remembering their versions, so gossip still in
   * flight cannot bring them back). Returns true if anything visible changed. This agent's
   * own record ignores everything but `info`.
   */
  setNodeStatus(name: string, status: NodeStatus, info?: NodeInfo): boolean {
    const record = this.recordFor(name, info?.address ?? "");
    let changed = false;
    if (info !== undefined && canonicalJson(info) !== canonicalJson(pickInfo(record.info, info))) {
      record.info = { ...record.info, ...info };
      changed = true;
    }
    if (name !== this.nodeName && record.status !== status) {
      const wasGone = record.status === "left" || record.status === "reaped";
      record.status = status;
      changed = true;
      if (status === "left" || status === "reaped") {
        this.forgetEntries(record);
      } else if (wasGone) {
        // The node is back (a rejoin, or a force-leave it survived): its own next state wins.
        record.floor = undefined;
      }
    }
    if (changed) {
      this.touch(record, undefined, undefined);
      this.changed();
    }
    return changed;
  }

  private forgetEntries(record: NodeRecord): void {
    let floor = record.floor ?? ZERO_VERSION;
    for (const entry of record.entries.values()) {
      if (compareVersions(entry.version, floor) > 0) floor = entry.version;
      this.unindex(record, entry);
    }
    for (const entry of record.entries.values()) this.touch(record, entry, undefined);
    record.entries.clear();
    record.floor = floor;
  }

  /** Drops tombstones older than the TTL and forgotten nodes; call periodically. Returns how many went. */
  prune(): number {
    const now = this.clock();
    let removed = 0;
    for (const record of this.records.values()) {
      for (const entry of [...record.entries.values()]) {
        if (isTombstone(entry) && now - entry.changedAtMs >= this.tombstoneTtlMs) {
          record.entries.delete(entry.id);
          removed++;
        }
      }
    }
    for (const record of [...this.records.values()]) {
      if (record.status === "reaped" && record.entries.size === 0) {
        this.records.delete(record.name);
        removed++;
      }
    }
    if (removed > 0) this.digestCache = undefined;
    return removed;
  }

  // ---------------------------------------------------------------------------------------
  // Reads

  /** Visible nodes (not left or reaped), sorted by name. */
  nodes(): CatalogNode[] {
    return [...this.records.values()]
      .filter((r) => this.isVisible(r))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((r) => this.nodeView(r));
  }

  /** One visible node, or undefined. */
  node(name: string): CatalogNode | undefined {
    const record = this.records.get(name);
    return record !== undefined && this.isVisible(record) ? this.nodeView(record) : undefined;
  }

  /** Every service name on a visible node, with the union of its instances' tags (sorted). */
  serviceNames(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const name of [...this.byName.keys()].sort()) {
      const instances = this.instances(name);
      if (instances.length === 0) continue;
      const tags = new Set<string>();
      for (const instance of instances) for (const tag of instance.service.Tags) tags.add(tag);
      out.set(name, [...tags].sort());
    }
    return out;
  }

  /** The instances of service `name` on visible nodes, sorted by node then service ID. */
  instances(name: string): CatalogInstance[] {
    const keys = this.byName.get(name);
    if (keys === undefined) return [];
    const out: CatalogInstance[] = [];
    for (const key of keys) {
      const [nodeName = "", id = ""] = key.split("\u0000");
      const record = this.records.get(nodeName);
      const entry = record?.entries.get(id);
      if (record === undefined || entry?.service == null || !this.isVisible(record)) continue;
      out.push(this.instanceView(record, entry, entry.service));
    }
    return out.sort(
      (a, b) => compareStrings(a.node.name, b.node.name) || compareStrings(a.service.ID, b.service.ID),
    );
  }

  /** The services of a visible node, sorted by ID (undefined if the node is not visible). */
  nodeServices(name: string): IndexedService[] | undefined {
    const record = this.records.get(name);
    if (record === undefined || !this.isVisible(record)) return undefined;
    return this.entriesOf(record)
      .filter((e): e is StoredEntry & { service: AgentService } => e.service !== null)
      .map((e) => ({ service: e.service, createIndex: e.createIndex, modifyIndex: e.modifyIndex }));
  }

  /** Every check of a visible node: serfHealth, node-level, then service checks. */
  nodeChecks(name: string): IndexedCheck[] {
    const record = this.records.get(name);
    if (record === undefined || !this.isVisible(record)) return [];
    return [...this.nodeLevelChecks(record), ...this.serviceChecksOf(record)];
  }

  /** Every check in the catalog, node by node. */
  allChecks(): IndexedCheck[] {
    return this.nodes().flatMap((n) => this.nodeChecks(n.name));
  }

  /** The service-level checks of every instance of service `name`. */
  serviceChecks(name: string): IndexedCheck[] {
    return this.instances(name).flatMap((i) => i.checks);
  }

  /**
   * sha256 over the canonical replicated content (visible nodes' live entries with their
   * versions); equal on two agents exactly when their catalogs have converged.
   */
  digest(): string {
    if (this.digestCache !== undefined) return this.digestCache;
    const builder = new DigestBuilder();
    const visible = [...this.records.values()]
      .filter((r) => this.isVisible(r))
      .sort((a, b) => compareStrings(a.name, b.name));
    for (const record of visible) {
      const live = this.entriesOf(record).filter((e) => !isTombstone(e));
      if (live.length === 0) continue;
      builder.add(record.name);
      for (const e of live)
        builder.add(canonicalJson({ id: e.id, version: e.version, service: e.service, checks: e.checks }));
    }
    this.digestCache = builder.hex();
    return this.digestCache;
  }

  /** Counts for metrics: visible nodes, live service instances, tombstones. */
  stats(): { readonly nodes: number; readonly services: number; readonly tombstones: number } {
    let services = 0;
    let tombstones = 0;
    for (const record of this.records.values()) {
      for (const entry of record.entries.values()) {
        if (isTombstone(entry)) tombstones++;
        else if (entry.service !== null && this.isVisible(record)) services++;
      }
    }
    return { nodes: this.nodes().length, services, tombstones };
  }

  // ---------------------------------------------------------------------------------------
  // Internals

  private self(): NodeRecord {
    const record = this.records.get(this.nodeName);
    if (record === undefined) throw new Error("the local node record is missing");
    return record;
  }

  private recordFor(name: string, address: string): NodeRecord {
    let record = this.records.get(name);
    if (record === undefined) {
      record = {
        name,
        gossipAddress: address,
        info: {},
        status: undefined,
        entries: new Map(),
        floor: undefined,
        createIndex: this.currentIndex + 1,
        modifyIndex: this.currentIndex + 1,
      };
      this.records.set(name, record);
    }
    return record;
  }

  private isVisible(record: NodeRecord): boolean {
    if (record.status === "left" || record.status === "reaped") return false;
    if (record.status !== undefined) return true;
    // Known only from catalog gossip: shown once it has something live.
    for (const entry of record.entries.values()) if (!isTombstone(entry)) return true;
    return false;
  }

  private store(record: NodeRecord, entry: ServiceEntry): void {
    const previous = record.entries.get(entry.id);
    if (previous !== undefined) this.unindex(record, previous);
    const index = this.currentIndex + 1;
    const stored: StoredEntry = {
      ...entry,
      createIndex:
        previous !== undefined && !isTombstone(previous) && !isTombstone(entry)
          ? previous.createIndex
          : index,
      modifyIndex: index,
      changedAtMs: this.clock(),
    };
    record.entries.set(entry.id, stored);
    if (stored.service !== null) {
      let keys = this.byName.get(stored.service.Service);
      if (keys === undefined) {
        keys = new Set();
        this.byName.set(stored.service.Service, keys);
      }
      keys.add(instanceKey(record.name, stored.id));
    }
    this.touch(record, stored, previous);
  }

  private unindex(record: NodeRecord, entry: ServiceEntry): void {
    if (entry.service === null) return;
    const keys = this.byName.get(entry.service.Service);
    keys?.delete(instanceKey(record.name, entry.id));
    if (keys?.size === 0) this.byName.delete(entry.service.Service);
  }

  /**
   * Marks the next index as affecting `record`, and the service names of `entry` and
   * `previous`; a node-level change (both undefined, or the node entry) affects all the
   * node's service names, since their health includes node checks.
   */
  private touch(
    record: NodeRecord,
    entry: ServiceEntry | undefined,
    previous: ServiceEntry | undefined,
  ): void {
    const index = this.currentIndex + 1;
    record.modifyIndex = index;
    const names = new Set<string>();
    if (entry?.service != null) names.add(entry.service.Service);
    if (previous?.service != null) names.add(previous.service.Service);
    if (entry === undefined || entry.id === NODE_ENTRY_ID) {
      for (const e of record.entries.values()) if (e.service !== null) names.add(e.service.Service);
    }
    for (const name of names) this.serviceIndexes.set(name, index);
  }

  private changed(): void {
    this.currentIndex++;
    this.digestCache = undefined;
    for (const listener of [...this.changeListeners]) listener(this.currentIndex);
    this.waiters.notify();
  }

  private entriesOf(record: NodeRecord): StoredEntry[] {
    return [...record.entries.values()].sort((a, b) => compareStrings(a.id, b.id));
  }

  private nodeView(record: NodeRecord): CatalogNode {
    return {
      name: record.name,
      id: record.info.id ?? "",
      address:
        record.info.address !== undefined && record.info.address !== ""
          ? record.info.address
          : record.gossipAddress,
      meta: record.info.meta ?? {},
      status: record.status ?? "alive",
      createIndex: record.createIndex,
      modifyIndex: record.modifyIndex,
    };
  }

  private instanceView(record: NodeRecord, entry: StoredEntry, service: AgentService): CatalogInstance {
    return {
      node: this.nodeView(record),
      service,
      createIndex: entry.createIndex,
      modifyIndex: entry.modifyIndex,
      checks: this.indexedChecks(entry),
      nodeChecks: this.nodeLevelChecks(record),
    };
  }

  private nodeLevelChecks(record: NodeRecord): IndexedCheck[] {
    const failed = record.status === "failed";
    const serfHealth: IndexedCheck = {
      Node: record.name,
      CheckID: SERF_HEALTH.checkId,
      Name: SERF_HEALTH.name,
      Status: failed ? "critical" : "passing",
      Notes: "",
      Output: failed ? SERF_HEALTH.failedOutput : SERF_HEALTH.aliveOutput,
      ServiceID: "",
      ServiceName: "",
      ServiceTags: [],
      Type: "",
      CreateIndex: record.createIndex,
      ModifyIndex: record.modifyIndex,
    };
    const nodeEntry = record.entries.get(NODE_ENTRY_ID);
    return [serfHealth, ...(nodeEntry === undefined ? [] : this.indexedChecks(nodeEntry))];
  }

  private serviceChecksOf(record: NodeRecord): IndexedCheck[] {
    return this.entriesOf(record)
      .filter((e) => e.id !== NODE_ENTRY_ID)
      .flatMap((e) => this.indexedChecks(e));
  }

  private indexedChecks(entry: StoredEntry): IndexedCheck[] {
    return entry.checks.map((c) => ({
      ...c,
      CreateIndex: entry.createIndex,
      ModifyIndex: entry.modifyIndex,
    }));
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The replicated part of a stored entry (without local indexes). */
function plainEntry(entry: ServiceEntry): ServiceEntry {
  return { id: entry.id, version: entry.version, service: entry.service, checks: entry.checks };
}

function sameContent(a: ServiceEntry, b: ServiceEntry): boolean {
  return canonicalJson({ s: a.service, c: a.checks }) === canonicalJson({ s: b.service, c: b.checks });
}

function pickInfo(current: NodeInfo, incoming: NodeInfo): NodeInfo {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(incoming)) out[key] = (current as Record<string, unknown>)[key];
  return out;
}
