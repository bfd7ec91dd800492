/**
 * The Shoal agent: one protocol node on real sockets, the service catalog it gossips, the
 * health checks it runs, its data directory, and the read/control surface its HTTP API serves.
 */
import { randomInt, randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join as joinPath } from "node:path";
import type { FastifyInstance } from "fastify";
import { CatalogGossip } from "../catalog/catalog-gossip.js";
import { CatalogStore } from "../catalog/catalog-store.js";
import {
  type CheckRegisterResult,
  LocalRegistry,
  type RegistrySnapshot,
  type TtlUpdateResult,
} from "../catalog/local-registry.js";
import type { CheckStatus } from "../catalog/record.js";
import { parseServiceDefinition, type ServiceDefinition } from "../catalog/service-definition.js";
import type { CheckDefinition } from "../checks/check-definition.js";
import type { AgentConfig } from "../config/agent-config.js";
import type { AgentLogger } from "../logging/logger.js";
import { readJsonIfExists, writeFileAtomic } from "../persistence/atomic-file.js";
import { loadKeyringFile, saveKeyringFile } from "../persistence/keyring-file.js";
import { openRegistrationsStore, type RegistrationsStore } from "../persistence/registrations-store.js";
import { openSnapshot, type Snapshot } from "../persistence/snapshot.js";
import type { SwimEvent } from "../../swim/core/api.js";
import { createSwimNode, type ShoalNode } from "../../swim/core/node.js";
import { createRng } from "../../swim/core/rng.js";
import { NodeRuntime } from "../../swim/runtime/node-runtime.js";
import { bindNetTransports } from "../../swim/runtime/net-transports.js";
import type { TransportBinder } from "../../swim/runtime/transport.js";
import type { HostResolver } from "../../swim/runtime/address.js";
import { InvalidInputError } from "../../errors.js";
import type {
  AgentControl,
  AgentStreamEvent,
  AgentView,
  EventFilters,
  KeyringControl,
  KeyringResponse,
  LogLine,
  MemberEventKind,
  MemberInfo,
  QueryListener,
  QueryRequest,
  QueryResult,
  SelfInfo,
  UserEventInfo,
} from "../../http-api/agent-view.js";
import { createHttpApiServer } from "../../http-api/server.js";
import {
  KEY_QUERIES,
  type KeyOperation,
  Keyring,
  answerKeyQuery,
  keyOperationOf,
  keyQueryPayload,
  summarizeKeyResponses,
} from "./keyring-queries.js";
import { addressText, memberInfo } from "./member-info.js";
import { EventFeed } from "./event-feed.js";
import { CoalescedEvents } from "./coalesced-events.js";
import type { CoalescedEvent, MemberBatch } from "../../swim/core/serf/coalesce.js";
import { EventHandlerRunner } from "./event-handlers.js";
import { logLineOf } from "./log-lines.js";
import { createAgentMetrics } from "../metrics/agent-metrics.js";
import { ConvergenceTracker, type ConvergenceReport } from "../metrics/convergence-tracker.js";
import { originVersions } from "../metrics/origin-versions.js";
import type { Registry } from "prom-client";
import { gossipStats } from "./gossip-stats.js";
import { httpScheme, httpSecurityOptions } from "./http-security.js";
import { labelWatchingBinder } from "./label-watch.js";
import { OncePerPeer } from "./once-per-peer.js";
import { refusalLogger } from "./refusal-log.js";

const VERSION = "0.1.0";

const MEMBER_EVENT = {
  memberJoined: "member-join",
  memberLeft: "member-leave",
  memberFailed: "member-failed",
  memberUpdated: "member-update",
  memberReaped: "member-reap",
} as const satisfies Record<MemberBatch["kind"], MemberEventKind>;

/** A user event from the core with the entry `/v1/event/list` got for it, so streams show the same ID. */
type ReceivedUserEvent = Extract<SwimEvent, { kind: "userEventReceived" }> & { readonly info: UserEventInfo };

/** A running agent. */
export class Agent implements AgentView, AgentControl {
  readonly catalog: CatalogStore;
  private readonly registry: LocalRegistry;
  private readonly gossip: CatalogGossip;
  private readonly metrics: { readonly registry: Registry; readonly stop: () => void };
  private readonly tracker: ConvergenceTracker;
  private agentLog: ReturnType<AgentLogger["child"]> | undefined;
  private readonly feed = new EventFeed();
  /** Member and user events on their way to handlers and streams, coalesced as Serf's agent does. */
  private readonly delivery: CoalescedEvents<ReceivedUserEvent>;
  /** Gossip refused by a limit, logged once per sender (the runtime counts every one). */
  private readonly reportRefusal = refusalLogger((fields, message) =>
    (this.agentLog ??= this.logger.child("agent")).warn(fields, message),
  );
  private readonly handlers: EventHandlerRunner;
  private http: FastifyInstance | undefined;
  private tags: Record<string, string>;
  private clockTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  /** Set while a graceful shutdown leaves; resolves once the leave completed (or failed). */
  private leaving: Promise<void> | undefined;
  private readonly done: Promise<void>;
  private resolveDone!: () => void;

  private constructor(
    private readonly config: AgentConfig,
    private readonly logger: AgentLogger,
    private readonly runtime: NodeRuntime,
    private readonly node: ShoalNode,
    private readonly snapshot: Snapshot | undefined,
    private readonly registrations: RegistrationsStore<RegistrySnapshot> | undefined,
    generation: number,
  ) {
    this.tags = { ...config.tags };
    this.handlers = EventHandlerRunner.fromConfig(config.eventHandlers, {
      selfName: config.nodeName,
      tags: () => this.tags,
      log: (level, message) => this.log(level, message),
    });
    this.delivery = new CoalescedEvents(config.serf, (event) => this.deliverEvent(event));
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.catalog = new CatalogStore({
      node: config.nodeName,
      address: runtime.advertise.host,
      generation,
      nodeId: randomUUID(),
      meta: this.tags,
    });
    this.registry = new LocalRegistry(this.catalog, {
      onServiceReaped: () => void this.persistRegistrations(),
    });
    this.gossip = new CatalogGossip(this.catalog, {
      broadcast: (name, payload) => this.node.broadcastExtension(name, payload),
      invalidate: (name) => this.node.invalidateExtension(name),
      onDecodeError: (error) => this.log("debug", `dropped a catalog message: ${error.message}`),
      onApplied: (update, originMs) =>
        this.tracker.catalogApplied(update.node, update.entry.version, originMs),
      onFullStateMerged: () => this.tracker.versionsMerged(),
    });
    this.metrics = createAgentMetrics({
      nodeName: config.nodeName,
      runtime,
      node,
      catalog: this.catalog,
      gossip: this.gossip,
    });
    this.tracker = new ConvergenceTracker(
      {
        nodeName: config.nodeName,
        members: () => this.runtime.members(),
        catalogDigest: () => this.catalog.digest(),
        catalogIndex: () => this.catalog.index,
        originVersions: () => originVersions(this.catalog.fullState()),
      },
      Date.now,
      this.metrics.registry,
    );
  }

  /**
   * Starts every part; rejects (having released what it bound) if any part fails.
   * `options.transports` replaces the real UDP/TCP sockets (the live fuzzer confines a target
   * agent to loopback with it); `options.resolveHost` replaces DNS for join addresses (tests).
   */
  static async start(
    config: AgentConfig,
    logger: AgentLogger,
    options: { readonly transports?: TransportBinder; readonly resolveHost?: HostResolver } = {},
  ): Promise<Agent> {
    const log = logger.child("agent");
    let snapshot: Snapshot | undefined;
    let registrations: RegistrationsStore<RegistrySnapshot> | undefined;
    let generation = 1;
    if (config.dataDir !== undefined) {
      await mkdir(config.dataDir, { recursive: true });
      snapshot = await openSnapshot(config.dataDir, { onWarning: (m) => log.warn(m) });
      registrations = openRegistrationsStore<RegistrySnapshot>(
        joinPath(config.dataDir, "registrations.json"),
      );
      const genFile = joinPath(config.dataDir, "generation.json");
      const previous = await readJsonIfExists<{ generation: number }>(genFile);
      generation = (previous?.generation ?? 0) + 1;
      await writeFileAtomic(genFile, JSON.stringify({ generation }));
    }
    const keyring = await initialKeyring(config, (message) => log.warn(message));
    // The extension needs the agent, which needs the started runtime: bind it late.
    // Assigned after runtime.start(); the extension's callbacks read it only after that.
    // eslint-disable-next-line prefer-const
    let agent: Agent | undefined;
    let node: ShoalNode | undefined;
    const overloadedPeers = new OncePerPeer();
    const runtime = new NodeRuntime({
      bind: config.bind,
      ...(config.advertise === undefined ? {} : { advertise: config.advertise }),
      ...(keyring === undefined ? {} : { keyring }),
      ...(config.label === undefined ? {} : { label: config.label }),
      gossipVerifyIncoming: config.gossipVerifyIncoming,
      gossipVerifyOutgoing: config.gossipVerifyOutgoing,
      // The config's push/pull concurrency bound is enforced where streams are read: the runtime.
      maxInboundStreams: config.memberlist.maxConcurrentPushPulls,
      ...(options.resolveHost === undefined ? {} : { resolveHost: options.resolveHost }),
      // Foreign-label traffic is dropped and counted by the runtime; this names the sender once.
      transports: labelWatchingBinder(
        options.transports ?? bindNetTransports,
        config.label ?? "",
        (peer, label, expected) =>
          log.warn(
            { peer, label, expected },
            `ignoring gossip from ${peer}: cluster label ${JSON.stringify(label)} is not ours (${JSON.stringify(expected)}); reported once per peer`,
          ),
      ),
      onError: (error, context) => log.warn({ err: error, context }, "runtime error"),
      // The runtime counts every stream refused over the concurrency cap and answers it with an
      // error; this names the peer, once per host (the TCP source port is ephemeral), since a
      // line per refusal would flood the log exactly when the agent is overloaded.
      onStreamRefused: (remote, reason) => {
        if (!overloadedPeers.first(remote.host)) return;
        log.warn(
          { peer: remote.host },
          `refusing a gossip stream from ${remote.host}: ${reason}; answered with an error and counted (dropped_stream_overloaded); reported once per peer`,
        );
      },
      createNode: (args) => {
        node = createSwimNode({
          name: config.nodeName,
          advertise: args.advertise,
          memberlist: { ...config.memberlist, packetOverheadBytes: args.packetOverheadBytes },
          serf: config.serf,
          tags: config.tags,
          rng: createRng(randomInt(2 ** 31)),
          nowMs: args.nowMs,
          ...(snapshot === undefined ? {} : { clocks: snapshot.clocks() }),
          extension: {
            messageType: 200,
            onMessage: (payload) => agent?.gossip.onMessage(payload),
            localState: () => agent?.gossip.localState(),
            mergeRemoteState: (state, join) => agent?.gossip.mergeRemoteState(state, join),
          },
        });
        return node;
      },
    });
    await runtime.start();
    if (node === undefined) throw new Error("runtime did not build the node");
    agent = new Agent(config, logger, runtime, node, snapshot, registrations, generation);
    try {
      await agent.startParts();
    } catch (error) {
      await agent.close();
      throw error;
    }
    return agent;
  }

  /** Resolves when the agent has shut down (after a leave through the API, or `close`). */
  whenDone(): Promise<void> {
    return this.done;
  }

  private async startParts(): Promise<void> {
    const log = this.logger.child("agent");
    this.runtime.subscribe((event) => this.onSwimEvent(event));
    this.gossip.start();
    // Config-file services first: they are never persisted (the files are their source), and a
    // saved API registration of the same ID yields to them, as in Consul.
    for (const raw of this.config.services) {
      this.registry.register(parseServiceDefinition(raw), { replaceExistingChecks: true, source: "config" });
    }
    const saved = await this.registrations?.load();
    if (saved !== undefined) this.registry.restore(saved);
    this.clockTimer = setInterval(() => this.recordClocks(), 1_000);
    this.clockTimer.unref();

    // Joins go out before the HTTP API is built (its routes take ~100 ms of CPU): the cluster
    // need not wait for them, which matters most when many agents start at once.
    const startJoin = this.config.join.length > 0 ? this.join(this.config.join, false) : undefined;
    startJoin?.catch(() => undefined); // awaited below, once the API is up
    const previous = this.snapshot?.left() === true ? [] : (this.snapshot?.previousPeers() ?? []);
    const rejoin = previous.filter((p) => p.name !== this.config.nodeName).map((p) => p.address);
    if (this.config.join.length === 0 && rejoin.length > 0) {
      void this.retryJoin(rejoin, "snapshot peers", 3);
    }
    if (this.config.retryJoin.length > 0)
      void this.retryJoin(this.config.retryJoin, "retry-join", this.config.retryMaxAttempts);

    this.http = await createHttpApiServer({
      view: this,
      control: this,
      logger: this.logger.child("http"),
      registry: this.metrics.registry,
      ...(await httpSecurityOptions(this.config)),
    });
    await this.http.listen({ host: this.config.httpAddr.host, port: this.config.httpAddr.port });
    log.info(
      { gossip: addressText(this.runtime.advertise.host, this.runtime.advertise.port), http: this.httpUrl() },
      `Shoal agent running: node ${this.config.nodeName}`,
    );

    if (startJoin !== undefined) {
      // Serf's -join: the agent refuses to run if none of them answers.
      const contacted = await startJoin;
      log.info(`joined ${contacted} of ${this.config.join.length} start-join addresses`);
    }
  }

  /** `http://host:port` (or `https://`) of the HTTP API. */
  httpUrl(): string {
    const a = this.http?.server.address();
    return a === undefined || a === null || typeof a === "string"
      ? ""
      : `${httpScheme(this.config)}://${addressText(a.address, a.port)}`;
  }

  private async retryJoin(addresses: readonly string[], what: string, maxAttempts: number): Promise<void> {
    for (let attempt = 1; maxAttempts === 0 || attempt <= maxAttempts; attempt++) {
      if (this.closing !== undefined) return;
      try {
        const n = await this.join(addresses, false);
        this.log("info", `${what}: joined through ${n} address(es)`);
        return;
      } catch (error) {
        this.log("warn", `${what}: attempt ${attempt} failed: ${(error as Error).message}`);
      }
      await new Promise<void>((resolve) => {
        this.retryTimer = setTimeout(resolve, this.config.retryIntervalMs);
        this.retryTimer.unref();
      });
    }
  }

  /** A member or user event that coalescing let go: to the handlers and the event streams. */
  private deliverEvent(event: CoalescedEvent<ReceivedUserEvent>): void {
    this.handlers.onCoalescedEvent(event);
    if (event.kind === "userEventReceived") {
      this.feed.emit({ type: "user", event: event.info });
      return;
    }
    const members = event.members.map(memberInfo);
    this.feed.emit({ type: "member", event: MEMBER_EVENT[event.kind], members });
  }

  private onSwimEvent(event: SwimEvent): void {
    this.handlers.onSwimEvent(event, (id, lTime, output) => {
      try {
        this.runtime.respond(id, lTime, output);
      } catch (error) {
        this.log("warn", `could not answer query: ${(error as Error).message}`);
      }
    });
    switch (event.kind) {
      case "memberJoined":
      case "memberUpdated":
      case "memberFailed":
      case "memberLeft":
      case "memberReaped": {
        const m = event.member;
        const status = event.kind === "memberReaped" ? "reaped" : m.status === "leaving" ? "alive" : m.status;
        if (m.name !== this.config.nodeName) {
          this.catalog.setNodeStatus(m.name, status, { address: m.address.host, meta: m.tags });
          if (status === "alive")
            this.snapshot?.recordAlive(m.name, addressText(m.address.host, m.address.port));
          else if (status === "failed") this.snapshot?.recordFailed(m.name);
          else this.snapshot?.recordLeft(m.name);
        }
        this.log(
          event.kind === "memberFailed" ? "warn" : "info",
          `${event.kind}: ${m.name} ${addressText(m.address.host, m.address.port)}`,
        );
        this.delivery.push(event);
        return;
      }
      case "userEventReceived": {
        const info: UserEventInfo = {
          id: randomUUID(),
          name: event.name,
          payload: event.payload,
          nodeFilter: "",
          serviceFilter: "",
          tagFilter: "",
          lTime: event.lTime,
        };
        this.tracker.userEventReceived(event.name, event.lTime);
        this.log("info", `user event: ${event.name}`);
        // Listed at once (as Consul does); handlers and streams get it once coalescing lets it go.
        this.feed.remember(info);
        this.delivery.push({ ...event, info });
        return;
      }
      case "queryReceived": {
        const op = keyOperationOf(event.name);
        if (op !== undefined) this.answerKeyQuery(op, event.id, event.lTime, event.payload);
        return;
      }
      case "probeFailed":
        // memberlist logs its failed probes at info: the first line of every failure.
        this.log(
          "info",
          `suspect ${event.node}: no acks received${event.refused ? ", and its TCP port refused the connection" : ""}`,
        );
        return;
      case "suspicionEnded":
        this.log(
          "info",
          `suspicion of ${event.node} ended: ${event.outcome} after ${Math.round(event.durationMs)} ms, ${event.confirmations} confirmation(s)`,
        );
        return;
      case "inputRefused":
        this.reportRefusal(event);
        return;
      case "decodeFailed":
        this.log(
          "debug",
          `dropped a packet from ${addressText(event.from.host, event.from.port)}: ${event.reason}`,
        );
        return;
      default:
        return;
    }
  }

  private answerKeyQuery(op: KeyOperation, id: number, lTime: number, payload: Uint8Array): void {
    const { keyring, response } = answerKeyQuery(op, payload, this.runtime.keyring);
    if (keyring !== undefined && keyring !== this.runtime.keyring) {
      this.runtime.setKeyring(keyring);
      void this.persistKeyring(keyring);
    }
    try {
      this.runtime.respond(id, lTime, response);
    } catch (error) {
      this.log("warn", `could not answer ${KEY_QUERIES[op]}: ${(error as Error).message}`);
    }
  }

  private async persistKeyring(keyring: Keyring): Promise<void> {
    const file =
      this.config.keyringFile ??
      (this.config.dataDir === undefined ? undefined : joinPath(this.config.dataDir, "keyring.json"));
    if (file !== undefined) await saveKeyringFile(file, keyring);
  }

  private recordClocks(): void {
    const c = this.node.clocks();
    this.snapshot?.recordClock("member", c.member);
    this.snapshot?.recordClock("event", c.event);
    this.snapshot?.recordClock("query", c.query);
  }

  private log(level: LogLine["level"], message: string): void {
    // Monitor subscribers get this line through the logger's tap, with every other component's.
    // One cached child: a child per line cost more than the line under a junk flood, and the
    // logger keeps a (weak) reference to every child it ever made.
    (this.agentLog ??= this.logger.child("agent"))[level](message);
  }

  private async persistRegistrations(): Promise<void> {
    await this.registrations?.saveLatest(() => this.registry.snapshot());
  }

  // AgentView ------------------------------------------------------------------------------

  self(): SelfInfo {
    const members = this.runtime.members();
    const me = members.find((m) => m.name === this.config.nodeName);
    const count = (s: string): string => String(members.filter((m) => m.status === s).length);
    const clocks = this.node.clocks();
    const queues = this.node.queueDepths();
    const info = me === undefined ? undefined : memberInfo(me);
    return {
      nodeName: this.config.nodeName,
      nodeId: this.catalog.node(this.config.nodeName)?.id ?? "",
      datacenter: "dc1",
      version: VERSION,
      revision: "",
      member:
        info ??
        memberInfo({
          name: this.config.nodeName,
          address: this.runtime.advertise,
          tags: this.tags,
          status: "alive",
          memberlistState: "alive",
          incarnation: 0,
          vsn: [],
        }),
      meta: this.tags,
      stats: {
        agent: { name: this.config.nodeName, version: VERSION },
        runtime: {
          os: process.platform,
          arch: process.arch,
          node_version: process.version,
          cpu_count: String(
            (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ??
              1,
          ),
        },
        serf: {
          members: String(members.length),
          failed: count("failed"),
          left: count("left"),
          health_score: String(this.runtime.healthScore()),
          member_time: String(clocks.member),
          event_time: String(clocks.event),
          query_time: String(clocks.query),
          intent_queue: String(queues.intents),
          event_queue: String(queues.events),
          query_queue: String(queues.queries),
          encrypted: String((this.runtime.keyring?.keys.length ?? 0) > 0),
        },
        catalog: { index: String(this.catalog.index), queue: String(queues.extension) },
        gossip: gossipStats(this.runtime.stats),
      },
      debugConfig: {
        NodeName: this.config.nodeName,
        Bind: addressText(this.config.bind.host, this.config.bind.port),
        Advertise: addressText(this.runtime.advertise.host, this.runtime.advertise.port),
        Profile: this.config.profile,
        GossipInterval: this.config.memberlist.gossipIntervalMs,
        GossipNodes: this.config.memberlist.gossipNodes,
        DataDir: this.config.dataDir ?? "",
      },
    };
  }

  convergence(): ConvergenceReport {
    return this.tracker.report();
  }

  members(): readonly MemberInfo[] {
    return this.runtime.members().map(memberInfo);
  }

  events(): readonly UserEventInfo[] {
    return this.feed.events();
  }

  subscribeEvents(listener: (event: AgentStreamEvent) => void): () => void {
    return this.feed.subscribe(listener);
  }

  subscribeEventList(listener: (event: UserEventInfo) => void): () => void {
    return this.feed.subscribeHistory(listener);
  }

  subscribeLogs(listener: (line: LogLine) => void): () => void {
    // Subscribed at the lowest level: the monitor route filters by the level its client asked for.
    return this.logger.subscribe((record) => listener(logLineOf(record)), "trace");
  }

  // AgentControl ---------------------------------------------------------------------------

  async join(addresses: readonly string[], _wan: boolean): Promise<number> {
    const result = await this.runtime.join(addresses);
    return result.contacted;
  }

  async leave(): Promise<void> {
    // Answer once the leave went out, not once the agent closed: closing the HTTP server waits
    // for in-flight requests, this one included, so awaiting the close here would cut the
    // caller's connection instead of answering it.
    const closing = this.shutdown(true);
    await (this.leaving ?? closing);
  }

  async forceLeave(node: string, prune: boolean): Promise<void> {
    this.runtime.forceLeave(node, prune);
    return Promise.resolve();
  }

  async fireEvent(
    name: string,
    payload: Uint8Array,
    filters: EventFilters,
    coalesce: boolean,
  ): Promise<UserEventInfo> {
    try {
      this.runtime.userEvent(name, payload, coalesce);
    } catch (error) {
      throw new InvalidInputError((error as Error).message);
    }
    return Promise.resolve({
      id: randomUUID(),
      name,
      payload,
      nodeFilter: filters.node ?? "",
      serviceFilter: filters.service ?? "",
      tagFilter: filters.tag ?? "",
      lTime: this.node.clocks().event - 1,
    });
  }

  async registerService(
    definition: ServiceDefinition,
    options: { readonly replaceExistingChecks: boolean },
  ): Promise<void> {
    this.registry.register(definition, options);
    // Acknowledge only once the registration is durable (kill -9 must not lose it).
    await this.persistRegistrations();
  }

  async deregisterService(id: string): Promise<boolean> {
    const removed = this.registry.deregister(id);
    if (removed) await this.persistRegistrations();
    return removed;
  }

  async registerCheck(check: CheckDefinition): Promise<CheckRegisterResult> {
    const result = this.registry.registerCheck(check);
    if (result === "ok") await this.persistRegistrations();
    return result;
  }

  async deregisterCheck(checkId: string): Promise<boolean> {
    const removed = this.registry.deregisterCheck(checkId);
    if (removed) await this.persistRegistrations();
    return removed;
  }

  async updateTtlCheck(checkId: string, status: CheckStatus, note: string): Promise<TtlUpdateResult> {
    const result = this.registry.updateTtl(checkId, status, note);
    // The report is part of the registration (Consul persists TTL state too): a restart must
    // not turn a passing TTL check back to its initial status. Group-committed like the rest.
    if (result === "ok") await this.persistRegistrations();
    return result;
  }

  async setMaintenance(enable: boolean, reason: string, serviceId?: string): Promise<boolean> {
    let changed = true;
    if (serviceId === undefined) this.registry.setNodeMaintenance(enable, reason);
    else changed = this.registry.setServiceMaintenance(serviceId, enable, reason);
    await this.persistRegistrations();
    return changed;
  }

  readonly keyring: KeyringControl = {
    list: () => this.keyOperation("list", undefined),
    install: (key) => this.keyOperation("install", key),
    use: (key) => this.keyOperation("use", key),
    remove: (key) => this.keyOperation("remove", key),
  };

  private async keyOperation(op: KeyOperation, key: string | undefined): Promise<readonly KeyringResponse[]> {
    if (op === "remove" && key !== undefined && this.runtime.keyring?.list()[0] === key) {
      throw new InvalidInputError(
        "removing the primary key is not allowed; make another key primary first (keys --use)",
      );
    }
    const alive = this.runtime
      .members()
      .filter((m) => m.status === "alive")
      .map((m) => m.name);
    const result = await this.query({
      name: KEY_QUERIES[op],
      payload: keyQueryPayload(op, key),
      filterNodes: [],
      filterTags: {},
      requestAck: false,
      relayFactor: 0,
      timeoutMs: 0,
    });
    return [summarizeKeyResponses(result.responses, alive)];
  }

  async setTags(
    set: Readonly<Record<string, string>>,
    remove: readonly string[],
  ): Promise<Readonly<Record<string, string>>> {
    const next = { ...this.tags, ...set };
    for (const key of remove) delete next[key];
    try {
      this.runtime.setTags(next);
    } catch (error) {
      throw new InvalidInputError((error as Error).message);
    }
    this.tags = next;
    if (this.config.tagsFile !== undefined)
      await writeFileAtomic(this.config.tagsFile, JSON.stringify(next, null, 2));
    return next;
  }

  /** Applies a reloaded configuration's event handlers (SIGHUP); later events run the new ones. */
  reloadEventHandlers(specs: readonly string[]): void {
    this.handlers.reload(specs);
  }

  /**
   * Applies a reloaded configuration's service definitions (SIGHUP): services of deleted
   * definitions go, the rest are registered again. Every definition is parsed first, so an
   * invalid one changes nothing (it throws). Returns the IDs removed.
   */
  async reloadServices(raws: readonly unknown[]): Promise<string[]> {
    const definitions = raws.map((raw) => parseServiceDefinition(raw));
    const removed = this.registry.replaceConfigServices(definitions);
    // An API registration now defined by a file leaves the persisted document.
    await this.persistRegistrations();
    return removed;
  }

  /** Applies a reloaded configuration's tags (SIGHUP). */
  async reloadTags(tags: Readonly<Record<string, string>>): Promise<void> {
    const remove = Object.keys(this.tags).filter((k) => !(k in tags));
    await this.setTags(tags, remove);
  }

  async query(request: QueryRequest, listener: QueryListener = {}): Promise<QueryResult> {
    const acks: string[] = [];
    const responses: { from: string; payload: Uint8Array }[] = [];
    let id = -1;
    const early: SwimEvent[] = [];
    return new Promise<QueryResult>((resolve, reject) => {
      const onEvent = (event: SwimEvent): void => {
        if (id < 0) {
          early.push(event);
          return;
        }
        if (event.kind === "queryResponseReceived" && event.id === id) {
          if (event.ack) {
            acks.push(event.from);
            listener.ack?.(event.from);
          } else {
            responses.push({ from: event.from, payload: event.payload });
            listener.response?.(event.from, event.payload);
          }
        } else if (event.kind === "queryClosed" && event.id === id) {
          off();
          resolve({ acks, responses });
        }
      };
      const off = this.runtime.subscribe(onEvent);
      try {
        id = this.runtime.query({
          name: request.name,
          payload: request.payload,
          filterNodes: request.filterNodes,
          filterTags: request.filterTags,
          requestAck: request.requestAck,
          relayFactor: request.relayFactor,
          timeoutMs: request.timeoutMs,
        });
      } catch (error) {
        off();
        reject(new InvalidInputError((error as Error).message));
        return;
      }
      listener.dispatched?.();
      for (const event of early.splice(0)) onEvent(event);
    });
  }

  /** Graceful leave (when asked) then shutdown; concurrent calls share one shutdown. */
  shutdown(leave: boolean): Promise<void> {
    this.closing ??= (async () => {
      if (leave) {
        this.leaving = (async () => {
          this.log("info", "leaving the cluster gracefully");
          this.snapshot?.recordLeave();
          try {
            await this.runtime.leave();
          } catch (error) {
            this.log("warn", `leave did not complete: ${(error as Error).message}`);
          }
        })();
        await this.leaving;
      }
      await this.close();
    })();
    return this.closing;
  }

  /** Stops everything without a leave (the others will see this node fail). */
  async close(): Promise<void> {
    this.delivery.close();
    if (this.clockTimer !== undefined) clearInterval(this.clockTimer);
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.gossip.stop();
    this.metrics.stop();
    this.registry.stop();
    this.recordClocks();
    await this.http?.close();
    await this.runtime.close();
    await this.snapshot?.close();
    this.resolveDone();
  }
}

/**
 * The keyring to start with: `--keyring-file`'s, else the data directory's saved one, else
 * `--encrypt`'s single key. The saved keyring wins over `--encrypt` (as in Consul and Serf):
 * it records key rotations done while running, and after a rotation that removed the original
 * key, starting from `--encrypt` alone would leave the agent unable to talk to its cluster.
 */
async function initialKeyring(
  config: AgentConfig,
  warn: (message: string) => void,
): Promise<Keyring | undefined> {
  const saved =
    config.dataDir === undefined
      ? undefined
      : await loadKeyringFile(joinPath(config.dataDir, "keyring.json"));
  if (config.keyringFile !== undefined) return (await loadKeyringFile(config.keyringFile)) ?? saved;
  if (config.encrypt === undefined) return saved;
  const given = Keyring.fromBase64([config.encrypt]);
  if (saved === undefined) return given;
  // Only worth a warning when --encrypt would have changed what the agent encrypts with.
  if (saved.list()[0] !== given.list()[0]) {
    warn(
      // No key text: the log is not a place for secrets.
      `keyring.json exists in the data directory and differs from --encrypt: the configured key is ignored, using the saved keyring (${saved.list().length} key(s))`,
    );
  }
  return saved;
}
