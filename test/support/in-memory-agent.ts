/**
 * An in-memory agent for HTTP API tests: the real CatalogStore, LocalRegistry and check
 * runner, with membership, events, logs and the keyring simulated in memory. It implements
 * both AgentView and AgentControl, so tests drive the real HTTP layer end to end.
 */
import { randomUUID } from "node:crypto";
import { CatalogStore } from "../../src/agent/catalog/catalog-store.js";
import {
  type CheckRegisterResult,
  LocalRegistry,
  type LocalRegistryOptions,
  type TtlUpdateResult,
} from "../../src/agent/catalog/local-registry.js";
import type { CheckStatus } from "../../src/agent/catalog/record.js";
import type { ServiceDefinition } from "../../src/agent/catalog/service-definition.js";
import type { CheckDefinition } from "../../src/agent/checks/check-definition.js";
import { EventFeed } from "../../src/agent/daemon/event-feed.js";
import { CryptoError, InvalidInputError } from "../../src/errors.js";
import type {
  AgentControl,
  AgentStreamEvent,
  AgentView,
  EventFilters,
  KeyringControl,
  KeyringResponse,
  LogLine,
  MemberInfo,
  QueryListener,
  QueryRequest,
  QueryResult,
  SelfInfo,
  UserEventInfo,
} from "../../src/http-api/agent-view.js";

/** Options of {@link InMemoryAgent}. */
export interface InMemoryAgentOptions {
  readonly name?: string;
  readonly address?: string;
  readonly port?: number;
  readonly datacenter?: string;
  readonly registry?: LocalRegistryOptions;
}

/** A member with Serf's protocol versions filled in. */
export function member(
  name: string,
  addr: string,
  port = 7946,
  status: MemberInfo["status"] = "alive",
): MemberInfo {
  return {
    name,
    addr,
    port,
    tags: { role: "node" },
    status,
    protocolMin: 1,
    protocolMax: 5,
    protocolCur: 2,
    delegateMin: 2,
    delegateMax: 5,
    delegateCur: 4,
  };
}

/** See the file comment. */
export class InMemoryAgent implements AgentView, AgentControl {
  readonly catalog: CatalogStore;
  readonly registry: LocalRegistry;
  readonly datacenter: string;
  private readonly memberList = new Map<string, MemberInfo>();
  private readonly feed = new EventFeed();
  private readonly logListeners = new Set<(line: LogLine) => void>();
  private readonly keys = new Set<string>(["cg8StVXbQJ0gPvMd9o7yrg=="]);
  private primaryKey = "cg8StVXbQJ0gPvMd9o7yrg==";
  private tagSet: Record<string, string> = { role: "node" };
  /** Calls the API made, for assertions. */
  readonly calls: string[] = [];
  left = false;

  constructor(options: InMemoryAgentOptions = {}) {
    const name = options.name ?? "node-a";
    const address = options.address ?? "127.0.0.1";
    this.datacenter = options.datacenter ?? "dc1";
    this.catalog = new CatalogStore({
      node: name,
      address,
      generation: 1,
      nodeId: randomUUID(),
      meta: { role: "node" },
    });
    this.registry = new LocalRegistry(this.catalog, options.registry ?? {});
    this.memberList.set(name, member(name, address, options.port ?? 7946));
  }

  // AgentView ------------------------------------------------------------------------------

  self(): SelfInfo {
    const me = this.memberList.get(this.catalog.nodeName) ?? member(this.catalog.nodeName, "127.0.0.1");
    return {
      nodeName: this.catalog.nodeName,
      nodeId: this.catalog.node(this.catalog.nodeName)?.id ?? "",
      datacenter: this.datacenter,
      version: "0.1.0",
      revision: "test",
      member: me,
      meta: { role: "node" },
      stats: { agent: { name: this.catalog.nodeName }, serf: { members: String(this.memberList.size) } },
      debugConfig: { NodeName: this.catalog.nodeName },
    };
  }

  members(): readonly MemberInfo[] {
    return [...this.memberList.values()];
  }

  events(): readonly UserEventInfo[] {
    return this.feed.events();
  }

  subscribeEvents(listener: (event: AgentStreamEvent) => void): () => void {
    return this.feed.subscribe(listener);
  }

  subscribeLogs(listener: (line: LogLine) => void): () => void {
    this.logListeners.add(listener);
    return () => this.logListeners.delete(listener);
  }

  /** Writes a log line to every monitor. */
  log(level: LogLine["level"], message: string): void {
    for (const listener of [...this.logListeners])
      listener({ timeMs: Date.now(), level, component: "agent", message });
  }

  /** Number of live subscriptions (log, event). */
  subscriptions(): { logs: number; events: number } {
    return { logs: this.logListeners.size, events: this.feed.subscribers };
  }

  /** Adds or updates a member (and tells the catalog). */
  setMember(info: MemberInfo): void {
    const known = this.memberList.has(info.name);
    this.memberList.set(info.name, info);
    const status = info.status === "failed" ? "failed" : info.status === "left" ? "left" : "alive";
    this.catalog.setNodeStatus(info.name, status, { address: info.addr, meta: info.tags });
    const event =
      info.status === "failed"
        ? "member-failed"
        : info.status === "left"
          ? "member-leave"
          : known
            ? "member-update"
            : "member-join";
    this.feed.emit({ type: "member", event, members: [info] });
  }

  // AgentControl ---------------------------------------------------------------------------

  async join(addresses: readonly string[], _wan: boolean): Promise<number> {
    this.calls.push(`join ${addresses.join(",")}`);
    for (const address of addresses) {
      const match = /^([^:]+|\[[^\]]+\])(?::(\d+))?$/.exec(address);
      if (match === null) throw new InvalidInputError(`invalid address "${address}"`);
      const host = (match[1] ?? "").replace(/^\[|\]$/g, "");
      const port = Number(match[2] ?? "7946");
      if (port > 65_535) throw new InvalidInputError(`invalid port in "${address}"`);
      this.setMember(member(`node-${host}-${port}`, host, port));
    }
    return addresses.length;
  }

  async leave(): Promise<void> {
    this.calls.push("leave");
    this.left = true;
  }

  async forceLeave(node: string, prune: boolean): Promise<void> {
    this.calls.push(`force-leave ${node}${prune ? " prune" : ""}`);
    const info = this.memberList.get(node);
    if (info === undefined || node === this.catalog.nodeName) return;
    if (prune) {
      this.memberList.delete(node);
      this.catalog.setNodeStatus(node, "reaped");
    } else {
      this.setMember({ ...info, status: "left" });
    }
  }

  async fireEvent(
    name: string,
    payload: Uint8Array,
    filters: EventFilters,
    _coalesce: boolean,
  ): Promise<UserEventInfo> {
    if (payload.length > 512) throw new InvalidInputError("user event exceeds the 512-byte limit");
    const event: UserEventInfo = {
      id: randomUUID(),
      name,
      payload,
      nodeFilter: filters.node ?? "",
      serviceFilter: filters.service ?? "",
      tagFilter: filters.tag ?? "",
      lTime: this.feed.events().length + 1,
    };
    this.feed.recordUserEvent(event);
    return event;
  }

  async registerService(
    definition: ServiceDefinition,
    options: { readonly replaceExistingChecks: boolean },
  ): Promise<void> {
    this.calls.push(`register ${definition.service.ID}`);
    this.registry.register(definition, options);
  }

  async deregisterService(id: string): Promise<boolean> {
    this.calls.push(`deregister ${id}`);
    return this.registry.deregister(id);
  }

  async registerCheck(check: CheckDefinition): Promise<CheckRegisterResult> {
    this.calls.push(`register-check ${check.CheckID}`);
    return this.registry.registerCheck(check);
  }

  async deregisterCheck(checkId: string): Promise<boolean> {
    this.calls.push(`deregister-check ${checkId}`);
    return this.registry.deregisterCheck(checkId);
  }

  async updateTtlCheck(checkId: string, status: CheckStatus, note: string): Promise<TtlUpdateResult> {
    return this.registry.updateTtl(checkId, status, note);
  }

  async setMaintenance(enable: boolean, reason: string, serviceId?: string): Promise<boolean> {
    if (serviceId === undefined) {
      this.registry.setNodeMaintenance(enable, reason);
      return true;
    }
    return this.registry.setServiceMaintenance(serviceId, enable, reason);
  }

  readonly keyring: KeyringControl = {
    list: async () => [this.keyringAnswer()],
    install: async (key) => {
      this.keys.add(key);
      return [this.keyringAnswer()];
    },
    use: async (key) => {
      if (!this.keys.has(key)) throw new CryptoError("Requested key is not in the keyring");
      this.primaryKey = key;
      return [this.keyringAnswer()];
    },
    remove: async (key) => {
      if (key === this.primaryKey) throw new CryptoError("Removing the primary key is not allowed");
      this.keys.delete(key);
      return [this.keyringAnswer()];
    },
  };

  private keyringAnswer(): KeyringResponse {
    const n = this.memberList.size;
    return {
      keys: Object.fromEntries([...this.keys].map((k) => [k, n])),
      primaryKeys: { [this.primaryKey]: n },
      numNodes: n,
      messages: {},
    };
  }

  async setTags(
    set: Readonly<Record<string, string>>,
    remove: readonly string[],
  ): Promise<Readonly<Record<string, string>>> {
    this.tagSet = { ...this.tagSet, ...set };
    for (const key of remove) delete this.tagSet[key];
    return this.tagSet;
  }

  /** Answers at once: an ack (when asked) and the payload echoed back, from this node only. */
  async query(request: QueryRequest, listener: QueryListener = {}): Promise<QueryResult> {
    const self = this.catalog.nodeName;
    listener.dispatched?.();
    if (request.requestAck) listener.ack?.(self);
    listener.response?.(self, request.payload);
    return {
      acks: request.requestAck ? [self] : [],
      responses: [{ from: self, payload: request.payload }],
    };
  }

  /** Stops the check runner. */
  close(): void {
    this.registry.stop();
  }
}
