/**
 * Binds one sans-I/O {@link SwimNode} to real transports and a real monotonic clock
 * (../shared/DESIGN.md sections 1, 2 and 4).
 *
 * - Time: `performance.now()`, never wall time.
 * - One timer per node, armed to the earlier of the core's `nextDeadline()` and the next
 *   event-loop-delay sample, re-armed after every input. No periodic scans: per input the
 *   runtime does work proportional to the directives the core returned (O(fanout)).
 * - Directives: `send` seals and sends a datagram; `dial` and `reply` go to the stream half
 *   (`stream-directives.ts`); `event` goes to subscribers.
 * - Inbound: datagrams are label-checked and decrypted, streams read incrementally under a
 *   deadline and a size limit, then handed to the core. Anything malformed or undecryptable
 *   is counted per reason in {@link NodeRuntime.stats} and dropped; nothing throws out of a
 *   socket or timer callback.
 */
import { ErrorCode, ShoalError } from "../../errors.js";
import type { Address, Directive, MemberView, QueryParams, SwimEvent, SwimNode } from "../core/api.js";
import { ipToBytes } from "../core/address.js";
import { lanConfig } from "../core/config.js";
import type { Keyring } from "../codec/keyring.js";
import { openPacket, sealPacket, sealStream } from "../codec/security.js";
import type { OpenOptions, SealOptions } from "../codec/security.js";
import { DEFAULT_STREAM_LIMITS } from "../codec/stream.js";
import {
  formatAddress,
  isUnspecifiedHost,
  normalizeHost,
  parseAddress,
  parseHostPort,
  resolveAddresses,
  type HostResolver,
} from "./address.js";
import { resolveAdvertise } from "./advertise.js";
import { dropReasonOf, framingOverheadBytes, openOptions, sealOptions, validateLabel } from "./framing.js";
import type { SecuritySettings } from "./framing.js";
import { LoopDelayMonitor } from "./loop-delay.js";
import { bindNetTransports } from "./net-transports.js";
import { forEachMessage } from "./message-types.js";
import { countMessage, createRuntimeStats, DropReason } from "./runtime-stats.js";
import type { DropReasonValue, RuntimeStats } from "./runtime-stats.js";
import { StreamDirectives } from "./stream-directives.js";
import { cancelInbound, requestInbound, type InboundWork } from "./inbound-pump.js";
import type { PushPullRecord, StreamHost } from "./stream-directives.js";
import type { ExchangeOptions } from "./stream-exchange.js";
import type { BoundTransports, TransportBinder } from "./transport.js";

/** What {@link NodeRuntimeOptions.createNode} is given once the sockets are bound. */
export interface CreateNodeArgs {
  /** The address to advertise to peers (real port filled in when bound with port 0). */
  readonly advertise: Address;
  /** The runtime clock's current time. */
  readonly nowMs: number;
  /** Bytes of every packet taken by label and encryption: the core's `packetOverheadBytes`. */
  readonly packetOverheadBytes: number;
}

/** Construction options of a {@link NodeRuntime}. */
export interface NodeRuntimeOptions extends SecuritySettings {
  /** Builds the protocol node; called by {@link NodeRuntime.start} after binding. */
  readonly createNode: (args: CreateNodeArgs) => SwimNode;
  /** Where to listen (UDP and TCP on one port); default `0.0.0.0:7946`. Port 0 picks a free port. */
  readonly bind?: string | Address;
  /** What peers are told; default the bind address (or a private IP when binding `0.0.0.0`/`::`). */
  readonly advertise?: string | Address;
  /** Binds the transports; default real UDP + TCP. Pass a memory or fault-injecting binder in tests. */
  readonly transports?: TransportBinder;
  /** Deadline for an inbound stream's message to arrive (memberlist's TCPTimeout; default 10 s). */
  readonly streamTimeoutMs?: number;
  /** Most bytes accepted on one stream (default 40 MB: memberlist's push/pull budget). */
  readonly maxStreamBytes?: number;
  /**
   * Most inbound streams being read at once: pass the node's `maxConcurrentPushPulls` (the agent
   * does). Default: the LAN preset's value, 128, memberlist's `maxPushPullRequests`.
   */
  readonly maxInboundStreams?: number;
  /** How often event-loop delay is sampled and fed to Lifeguard (default 1 s). */
  readonly loopDelaySampleMs?: number;
  /** Told about exceptions caught at an I/O boundary (bugs, or a throwing subscriber). */
  readonly onError?: (error: unknown, context: string) => void;
  /**
   * Told about every inbound stream refused because {@link maxInboundStreams} are being read
   * (already counted as `dropped.stream.overloaded` and answered with an `err` message), so
   * the embedder can log who was turned away. Called on the accept path: keep it cheap.
   */
  readonly onStreamRefused?: (remote: Address, reason: string) => void;
  /** Resolves DNS names of join seeds to all their addresses (default: the system resolver). */
  readonly resolveHost?: HostResolver;
}

/** Outcome of {@link NodeRuntime.join}. */
export interface JoinResult {
  /** Seeds that answered the push/pull. */
  readonly contacted: number;
  /** Seeds that did not. */
  readonly failed: readonly Address[];
}

type RuntimeState = "new" | "starting" | "running" | "closed";
type Origin = "packet" | "stream";

const DEFAULT_BIND = "0.0.0.0:7946";
const DEFAULT_STREAM_TIMEOUT_MS = 10_000;
/** From the preset rather than a second literal, so the runtime and the config cannot drift apart. */
const DEFAULT_MAX_INBOUND_STREAMS = lanConfig().maxConcurrentPushPulls;
const DEFAULT_LOOP_DELAY_SAMPLE_MS = 1_000;
/** setTimeout's largest delay; longer waits re-arm. */
const MAX_TIMER_MS = 0x7fffffff;
/** A reply write that the peer never acknowledges by closing is torn down after this long. */
const MAX_LINGER_MS = 5_000;
/**
 * A protocol timer firing at least this late means the event loop was stalled; its work then
 * waits for the socket reads of the same loop turn (see {@link NodeRuntime.onTimerFired}).
 */
const STALLED_TIMER_MS = 20;

/** One protocol node on real (or test) transports; see the module comment. */
export class NodeRuntime {
  /** Traffic and drop counters (live; read them, do not replace them). */
  readonly stats: RuntimeStats = createRuntimeStats();
  private readonly options: NodeRuntimeOptions;
  private security: SecuritySettings;
  private sealOpts: SealOptions;
  private openOpts: OpenOptions;
  private readonly streamTimeoutMs: number;
  private readonly maxStreamBytes: number;
  private readonly maxInbound: number;
  private streams: StreamDirectives | undefined;
  private readonly sampleMs: number;
  private state: RuntimeState = "new";
  private core: SwimNode | undefined;
  private bound: BoundTransports | undefined;
  private advertised: Address | undefined;
  private readonly loop = new LoopDelayMonitor();
  private timer: NodeJS.Timeout | undefined;
  private armedAt: number | undefined;
  /** This runtime's entry in the process's inbound pump (see `inbound-pump.ts`). */
  private readonly inboundWork: InboundWork = {
    handleInbound: (max) => {
      if (this.state !== "running") return false;
      this.guard("packet", () => this.execute(this.node.onInbound(now(), max), "packet"));
      return this.node.inboundPending() > 0;
    },
  };
  /** Set while due work waits for the packets that arrived during a stall. */
  private deferred: NodeJS.Immediate | undefined;
  private nextSampleAt = 0;
  private readonly listeners: ((event: SwimEvent) => void)[] = [];
  private readonly pushPullListeners: ((record: PushPullRecord) => void)[] = [];
  private readonly pending = new Set<(err: Error) => void>();
  private commandChain: Promise<unknown> = Promise.resolve();

  /** Validates options; nothing is bound until {@link start}. Throws `SHOAL_ERR_CONFIG`. */
  constructor(options: NodeRuntimeOptions) {
    this.options = options;
    validateLabel(options.label);
    this.security = options;
    this.streamTimeoutMs = positive(options.streamTimeoutMs, DEFAULT_STREAM_TIMEOUT_MS, "streamTimeoutMs");
    this.maxStreamBytes = positive(
      options.maxStreamBytes,
      DEFAULT_STREAM_LIMITS.maxStreamBytes,
      "maxStreamBytes",
    );
    this.maxInbound = positive(options.maxInboundStreams, DEFAULT_MAX_INBOUND_STREAMS, "maxInboundStreams");
    this.sampleMs = positive(options.loopDelaySampleMs, DEFAULT_LOOP_DELAY_SAMPLE_MS, "loopDelaySampleMs");
    this.sealOpts = sealOptions(options);
    this.openOpts = openOptions(options, this.maxStreamBytes);
  }

  // ---- lifecycle ------------------------------------------------------------------------

  /**
   * Binds the transports, resolves the advertised address, builds the node and arms its
   * timer. Rejects with `SHOAL_ERR_BIND` or `SHOAL_ERR_CONFIG`; on failure nothing stays bound.
   */
  async start(): Promise<void> {
    if (this.state !== "new") throw new Error(`NodeRuntime cannot start: it is ${this.state}`);
    this.state = "starting";
    let bound: BoundTransports;
    try {
      const bindOpt = this.options.bind ?? DEFAULT_BIND;
      const bind = typeof bindOpt === "string" ? parseAddress(bindOpt) : bindOpt;
      bound = await (this.options.transports ?? bindNetTransports)(bind);
    } catch (err) {
      this.state = "closed";
      throw err;
    }
    try {
      this.advertised = resolveAdvertise(this.options.advertise, bound.local);
      this.core = this.options.createNode({
        advertise: this.advertised,
        nowMs: now(),
        packetOverheadBytes: framingOverheadBytes(this.security),
      });
      // Acks as their packets are read, gossip after the reads: see inbound-pump.ts.
      this.core.deferInbound();
    } catch (err) {
      this.state = "closed";
      await Promise.allSettled([bound.packet.close(), bound.stream.close()]);
      throw err;
    }
    this.bound = bound;
    bound.packet.onPacket((from, bytes) => this.guard("packet", () => this.onPacket(from, bytes)));
    bound.packet.onSendError(() => this.stats.packets.sendErrors++);
    const streams = new StreamDirectives(this.streamHost(bound), {
      timeoutMs: this.streamTimeoutMs,
      maxInbound: this.maxInbound,
      lingerMs: Math.min(this.streamTimeoutMs, MAX_LINGER_MS),
    });
    this.streams = streams;
    bound.stream.onConnection((conn) => this.guard("connection", () => streams.accept(conn)));
    this.nextSampleAt = now() + this.sampleMs;
    this.state = "running";
    this.arm();
  }

  /**
   * Stops the timer and closes both transports (and every open stream).
   * Does not leave the cluster: call {@link leave} first for a graceful exit. Idempotent.
   */
  async close(): Promise<void> {
    if (this.state === "closed") return;
    this.state = "closed";
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.deferred !== undefined) clearImmediate(this.deferred);
    this.deferred = undefined;
    cancelInbound(this.inboundWork);
    this.streams?.abortAll();
    const closing = new Error("NodeRuntime closed");
    for (const reject of this.pending) reject(closing);
    this.pending.clear();
    if (this.bound !== undefined) {
      await Promise.allSettled([this.bound.packet.close(), this.bound.stream.close()]);
    }
  }

  /** True between a successful {@link start} and {@link close}. */
  get running(): boolean {
    return this.state === "running";
  }

  // ---- identity and views -----------------------------------------------------------------

  /**
   * The protocol node, for read-only views (`members`, `clocks`, …). Feed it inputs only
   * through this runtime, or its directives are lost.
   */
  get node(): SwimNode {
    if (this.core === undefined) throw new Error("NodeRuntime is not started");
    return this.core;
  }

  /** The node's name. */
  get name(): string {
    return this.node.name;
  }

  /** The bound address (the real port when bound with port 0). */
  get local(): Address {
    if (this.bound === undefined) throw new Error("NodeRuntime is not started");
    return this.bound.local;
  }

  /** The address advertised to peers. */
  get advertise(): Address {
    if (this.advertised === undefined) throw new Error("NodeRuntime is not started");
    return this.advertised;
  }

  /** Every member this node knows, itself included. */
  members(): readonly MemberView[] {
    return this.node.members();
  }

  /** Lifeguard's local health score (0 is healthy). */
  healthScore(): number {
    return this.node.healthScore();
  }

  /** Registers an event listener; returns the function that removes it. */
  subscribe(listener: (event: SwimEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Registers a listener for finished outbound push/pulls (metrics); returns its remover. */
  onPushPull(listener: (record: PushPullRecord) => void): () => void {
    this.pushPullListeners.push(listener);
    return () => {
      const i = this.pushPullListeners.indexOf(listener);
      if (i >= 0) this.pushPullListeners.splice(i, 1);
    };
  }

  /**
   * Swaps the keyring (key rotation: install, use, remove). Packets in flight keep the keys they
   * were sealed with. The core's packet budget was fixed at start, so turning encryption on
   * for a node started without it needs a restart.
   */
  setKeyring(keyring: Keyring): void {
    this.security = { ...this.security, keyring };
    this.sealOpts = sealOptions(this.security);
    this.openOpts = openOptions(this.security, this.maxStreamBytes);
  }

  /** The keyring in use, if any. */
  get keyring(): Keyring | undefined {
    return this.security.keyring;
  }

  // ---- commands ---------------------------------------------------------------------------

  /**
   * Joins through the seeds (`host:port`, `[v6]:port`, a bare host for port 7946, DNS names,
   * or addresses): a push/pull with each. A DNS name is resolved anew on every call and stands
   * for all its addresses (so retry-join follows DNS changes). Resolves once every seed
   * answered or failed; rejects with `SHOAL_ERR_JOIN` if none answered. A seed that is this
   * agent's own advertised or bound address is skipped and never counts as an answer.
   * Joins run one at a time.
   */
  join(seeds: readonly (string | Address)[]): Promise<JoinResult> {
    const run = async (): Promise<JoinResult> => {
      // Each seed on its own, as memberlist does: a name that no longer resolves (a removed
      // container, a deleted DNS record) is one failed seed, not a failed join.
      const resolved = await Promise.allSettled(
        seeds.map((s) =>
          typeof s === "string"
            ? resolveAddresses(parseHostPort(s), this.options.resolveHost)
            : Promise.resolve([s]),
        ),
      );
      const all = resolved.flatMap((r) => (r.status === "fulfilled" ? r.value : []));
      // Our own address is no contact (the core would not dial it either): a seed list that
      // names every node, this one too, must go on failing until some other node answers.
      const own = this.ownAddresses();
      const isOwn = (a: Address): boolean => own.some((o) => sameIpAndPort(o, a));
      const addresses = all.filter((a) => !isOwn(a));
      const unresolved = resolved.flatMap((r) =>
        r.status === "rejected" ? [r.reason instanceof Error ? r.reason.message : String(r.reason)] : [],
      );
      const self = all.filter(isOwn);
      if (addresses.length === 0 && (unresolved.length > 0 || self.length > 0)) {
        const problems = self.length > 0 ? [`${formatAddress(self[0]!)} is this agent itself`] : [];
        throw new ShoalError(ErrorCode.join, `failed to join: ${[...problems, ...unresolved].join("; ")}`);
      }
      const undecryptableBefore = this.stats.dropped.stream.undecryptable;
      const result = await this.commandUntil("joinCompleted", (nowMs) => this.node.join(addresses, nowMs));
      if (addresses.length > 0 && result.contacted === 0) {
        // A peer that cannot decrypt our push/pull answers with an error sealed under its own
        // key, which we cannot open either: say so, since "failed" alone hides a key mismatch.
        const keyProblem =
          this.stats.dropped.stream.undecryptable > undecryptableBefore
            ? "; no installed key could decrypt the answer: the gossip encryption keys differ" +
              " (or only one side uses encryption)"
            : "";
        throw new ShoalError(
          ErrorCode.join,
          `failed to join any of ${addresses.map(formatAddress).join(", ")} (${result.failed.length} failed)` +
            `${unresolved.length > 0 ? `; ${unresolved.join("; ")}` : ""}${keyProblem}`,
        );
      }
      return { contacted: result.contacted, failed: result.failed };
    };
    const next = this.commandChain.then(run, run);
    this.commandChain = next.catch(() => undefined);
    return next;
  }

  /** The advertised address and, unless it is `0.0.0.0`/`::`, the bound one. */
  private ownAddresses(): Address[] {
    const local = this.bound?.local;
    return [
      ...(this.advertised === undefined ? [] : [this.advertised]),
      ...(local === undefined || isUnspecifiedHost(local.host) ? [] : [local]),
    ];
  }

  /** Leaves gracefully; resolves once the leave has propagated or timed out. */
  async leave(): Promise<void> {
    await this.commandUntil("leaveCompleted", (nowMs) => this.node.leave(nowMs));
  }

  /** Replaces this node's tags. Throws EncodeError when they exceed 512 bytes encoded. */
  setTags(tags: Readonly<Record<string, string>>): void {
    this.command((nowMs) => this.node.setTags(tags, nowMs));
  }

  /** Fires a user event. */
  userEvent(name: string, payload: Uint8Array, coalesce = false): void {
    this.command((nowMs) => this.node.userEvent(name, payload, coalesce, nowMs));
  }

  /** Starts a query; responses arrive as `queryResponseReceived` events with this id. */
  query(params: QueryParams): number {
    let id = 0;
    this.command((nowMs) => {
      const started = this.node.query(params, nowMs);
      id = started.id;
      return started.directives;
    });
    return id;
  }

  /** Responds to a received query. */
  respond(queryId: number, lTime: number, payload: Uint8Array): void {
    this.command((nowMs) => this.node.respond(queryId, lTime, payload, nowMs));
  }

  /** Forces a failed member to `left` (and with `prune`, forgets it at once). */
  forceLeave(node: string, prune = false): void {
    this.command((nowMs) => this.node.forceLeave(node, prune, nowMs));
  }

  // ---- inputs ---------------------------------------------------------------------------

  private onPacket(from: Address, raw: Uint8Array): void {
    if (this.state !== "running") return;
    this.stats.packets.received++;
    this.stats.packets.bytesReceived += raw.length;
    let plain: Uint8Array;
    try {
      plain = openPacket(raw, this.openOpts);
    } catch (err) {
      this.drop("packet", dropReasonOf(err));
      return;
    }
    if (plain.length === 0) {
      this.drop("packet", DropReason.malformed);
      return;
    }
    forEachMessage(plain, (name, bytes) => countMessage(this.stats.messages.received, name, bytes));
    this.execute(this.node.onPacket(from, plain, now()), "packet");
    // The core handled this packet's pings and acks and queued its gossip for the pump.
    if (this.node.inboundPending() > 0) requestInbound(this.inboundWork);
  }

  /**
   * The timer fired. Normally its due work runs at once. After a stall (the firing is
   * {@link STALLED_TIMER_MS} or more late), the acks, nacks and refutations that peers sent in
   * time are still unread in the socket buffers: Node runs timers before it polls sockets, so
   * running now would time out probes whose answers already arrived, and a host whose whole
   * process stalled would accuse healthy peers. `setImmediate` runs after this turn's poll
   * phase has read them.
   */
  private onTimerFired(): void {
    const due = this.armedAt;
    this.timer = undefined;
    this.armedAt = undefined;
    if (this.state !== "running") return;
    const t = now();
    if (due !== undefined) this.loop.observe(due, t);
    if (due !== undefined && t - due >= STALLED_TIMER_MS) {
      this.deferred = setImmediate(() => {
        this.deferred = undefined;
        if (this.state === "running") this.guard("timer", () => this.runDueWork(now()));
      });
      return;
    }
    this.runDueWork(t);
  }

  /** Samples the loop delay into Lifeguard when its interval is up, then runs timers due at `t`. */
  private runDueWork(t: number): void {
    if (t >= this.nextSampleAt) {
      this.nextSampleAt = t + this.sampleMs;
      const delayMs = this.loop.sample();
      const c = this.stats.loopDelay;
      c.lastMs = delayMs;
      c.maxMs = Math.max(c.maxMs, delayMs);
      c.samples++;
      this.execute(this.node.onLocalDelay(delayMs, t), "packet");
    }
    const deadline = this.node.nextDeadline();
    if (deadline !== undefined && deadline <= t) this.execute(this.node.onTimer(t), "packet");
    this.arm();
  }

  // ---- directives -----------------------------------------------------------------------

  /** Carries out directives in order, then re-arms the timer. */
  private execute(directives: readonly Directive[], origin: Origin): void {
    for (const d of directives) {
      switch (d.kind) {
        case "send":
          this.sendPacket(d.to, d.bytes);
          break;
        case "dial":
          this.streams?.dial(d);
          break;
        case "reply":
          this.streams?.reply(d.streamId, d.bytes);
          break;
        case "event":
          if (d.event.kind === "decodeFailed") this.drop(origin, DropReason.decode);
          else if (d.event.kind === "inputRefused") this.drop(origin, d.event.limit);
          this.emit(d.event);
          break;
      }
    }
    this.arm();
  }

  private sendPacket(to: Address, plain: Uint8Array): void {
    if (this.bound === undefined || this.state !== "running") return;
    let sealed: Uint8Array;
    try {
      sealed = sealPacket(plain, this.sealOpts);
    } catch (err) {
      this.internalError(err, "seal packet");
      return;
    }
    this.stats.packets.sent++;
    this.stats.packets.bytesSent += sealed.length;
    forEachMessage(plain, (name, bytes) => countMessage(this.stats.messages.sent, name, bytes));
    this.bound.packet.send(to, sealed);
  }

  // ---- helpers ----------------------------------------------------------------------------

  /** Runs `fn` with the current time and executes its directives. */
  private command(fn: (nowMs: number) => readonly Directive[]): void {
    if (this.state !== "running") throw new Error(`NodeRuntime is not running (${this.state})`);
    this.execute(fn(now()), "packet");
  }

  /** Runs a command and resolves with the first event of `kind` that follows. */
  private commandUntil<K extends SwimEvent["kind"]>(
    kind: K,
    fn: (nowMs: number) => readonly Directive[],
  ): Promise<Extract<SwimEvent, { kind: K }>> {
    return new Promise((resolve, reject) => {
      const off = this.subscribe((event) => {
        if (event.kind !== kind) return;
        off();
        this.pending.delete(reject);
        resolve(event as Extract<SwimEvent, { kind: K }>);
      });
      this.pending.add(reject);
      try {
        // The event may come back among this very call's directives (e.g. a join with no seeds).
        this.command(fn);
      } catch (err) {
        off();
        this.pending.delete(reject);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /** The runtime as the stream half sees it. */
  private streamHost(bound: BoundTransports): StreamHost {
    return {
      stats: this.stats,
      transport: bound.stream,
      running: () => this.state === "running",
      now,
      seal: (plain) => this.sealStreamSafely(plain),
      readOptions: (timeoutMs) => this.readOptions(timeoutMs),
      input: (context, fn) =>
        this.guard(context, () => {
          if (this.state === "running") this.execute(fn(this.node, now()), "stream");
        }),
      guard: (context, fn) => this.guard(context, fn),
      ...(this.options.onStreamRefused === undefined ? {} : { onRefused: this.options.onStreamRefused }),
      onPushPull: (record) => {
        for (const listener of [...this.pushPullListeners]) {
          try {
            listener(record);
          } catch (err) {
            this.internalError(err, "push/pull listener");
          }
        }
      },
    };
  }

  private readOptions(timeoutMs: number): ExchangeOptions {
    return {
      open: this.openOpts,
      limits: { maxStreamBytes: this.maxStreamBytes },
      maxBytes: this.maxStreamBytes,
      timeoutMs,
      onBytes: (n) => (this.stats.streams.bytesReceived += n),
    };
  }

  private sealStreamSafely(plain: Uint8Array): Uint8Array | undefined {
    try {
      return sealStream(plain, this.sealOpts);
    } catch (err) {
      this.internalError(err, "seal stream");
      return undefined;
    }
  }

  /** Arms the single timer at the earlier of the core's deadline and the next delay sample. */
  private arm(): void {
    // While deferred work is pending, it re-arms when it has run.
    if (this.state !== "running" || this.core === undefined || this.deferred !== undefined) return;
    const deadline = this.core.nextDeadline();
    const target = deadline === undefined ? this.nextSampleAt : Math.min(deadline, this.nextSampleAt);
    if (this.timer !== undefined && this.armedAt === target) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(target - now())));
    this.armedAt = target;
    this.timer = setTimeout(() => this.guard("timer", () => this.onTimerFired()), delay);
  }

  private drop(channel: Origin, reason: DropReasonValue): void {
    this.stats.dropped[channel][reason]++;
  }

  private emit(event: SwimEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (err) {
        this.internalError(err, `listener of ${event.kind}`);
      }
    }
  }

  /** Runs a socket or timer callback; an exception is counted and reported, never rethrown. */
  private guard(context: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.internalError(err, context);
    } finally {
      // A throw mid-execution must not leave the node without its timer.
      if (this.timer === undefined && this.deferred === undefined) this.arm();
    }
  }

  private internalError(err: unknown, context: string): void {
    this.stats.internalErrors++;
    this.options.onError?.(err, context);
  }
}

/** Same port and same IP, whichever way each IP is spelled (`::1` and `0:0:0:0:0:0:0:1`). */
function sameIpAndPort(a: Address, b: Address): boolean {
  if (a.port !== b.port) return false;
  const x = ipToBytes(normalizeHost(a.host));
  const y = ipToBytes(normalizeHost(b.host));
  return x !== undefined && y !== undefined && x.length === y.length && x.every((v, i) => v === y[i]);
}

function now(): number {
  return performance.now();
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new ShoalError(ErrorCode.config, `${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}
