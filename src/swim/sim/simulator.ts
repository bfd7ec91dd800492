/**
 * The deterministic discrete-event simulator (../shared/DESIGN.md section 3).
 *
 * It runs many *real* protocol cores ({@link SwimNode}) against virtual time: one priority
 * queue holds node wake-ups (each node's `nextDeadline()`), datagram deliveries and stream
 * steps; popping an event advances the clock to it and feeds the node the input. The bytes
 * moved are the exact bytes the core encoded. All randomness comes from streams derived from
 * one seed (one per node, one for the network), so a run replays bit-for-bit from its seed.
 *
 * Cost per event is O(1) beyond the core's own work: one heap operation, one map lookup for
 * the destination, O(1) incremental invariant checks on every event a node reports, an O(1)
 * check after every step, and an O(N) self-view check of one node every N steps or more (O(1)
 * amortized; see invariants.ts).
 */
import type { Address, DialFailure, Directive, QueryParams, SwimEvent, SwimNode } from "../core/api.js";
import type { MemberlistConfig } from "../core/config.js";
import type { FormedMember } from "../core/node.js";
import { lanConfig } from "../core/config.js";
import { createRng, deriveSeed } from "../core/rng.js";
import type { Rng } from "../core/api.js";
import { EventQueue } from "./event-queue.js";
import { describeDivergence, InvariantChecker, InvariantViolation, replayCommand } from "./invariants.js";
import type { LinkParams } from "./network.js";
import { Network } from "./network.js";

/** What a node factory gets to build one node. */
export interface NodeFactoryArgs {
  readonly index: number;
  readonly name: string;
  readonly advertise: Address;
  readonly memberlist: MemberlistConfig;
  readonly tags: Readonly<Record<string, string>>;
  /** The node's own generator, derived from the simulation seed and its index. */
  readonly rng: Rng;
  readonly nowMs: number;
  /** When set, the node starts as a member of this formed, quiet cluster (see `addFormedCluster`). */
  readonly formedCluster?: readonly FormedMember[];
}

/** Builds one protocol node; the simulator's default builds the real facade. */
export type NodeFactory = (args: NodeFactoryArgs) => SwimNode;

/** Options of a {@link Simulator}. */
export interface SimulatorOptions {
  /** Root seed; every random stream derives from it. */
  readonly seed: number;
  /** Builds each node (the real `createSwimNode` facade in every test and in `shoal simulate`). */
  readonly createNode: NodeFactory;
  /** memberlist tuning for every node; LAN defaults when absent. */
  readonly memberlist?: MemberlistConfig;
  /** Default link parameters. */
  readonly link?: Partial<LinkParams>;
  /** The test file that runs this simulation, named in the replay hint of a violation. */
  readonly testFile?: string;
  /** Check invariants on every event (default true). */
  readonly checkInvariants?: boolean;
  /** Throw on a false failure detection instead of only counting it (default false). */
  readonly strictFalsePositives?: boolean;
  /**
   * How long after a crash, pause, partition or leave ends a failure verdict about the node
   * is still considered legitimate (default 120 s: two LAN suspicion maxima at 100 nodes).
   */
  readonly impairmentGraceMs?: number;
  /** Keep every event per node in memory (default false; listeners are cheaper). */
  readonly recordEvents?: boolean;
  /** Kernel receive buffer of a paused node in bytes. */
  readonly pausedBufferBytes?: number;
}

/** One event as the simulator saw it. */
export interface SimEventRecord {
  readonly timeMs: number;
  /** Index of the node that reported it. */
  readonly node: number;
  readonly event: SwimEvent;
}

/** Traffic counters of one node (what it sent and received, at the UDP and TCP level). */
export interface NodeStats {
  packetsSent: number;
  bytesSent: number;
  packetsReceived: number;
  bytesReceived: number;
  streamsOpened: number;
  streamBytesSent: number;
  streamBytesReceived: number;
}

/** State of one simulated node. */
export type SimNodeStatus = "up" | "paused" | "crashed" | "stopped";

/** One simulated node as scenarios see it. */
export interface SimNode {
  readonly index: number;
  readonly name: string;
  readonly address: Address;
  readonly core: SwimNode;
  readonly stats: Readonly<NodeStats>;
  readonly status: SimNodeStatus;
  /** Recorded events, when `recordEvents` is on. */
  readonly events: readonly SimEventRecord[];
}

interface NodeState {
  readonly index: number;
  readonly name: string;
  readonly address: Address;
  readonly core: SwimNode;
  readonly stats: NodeStats;
  status: SimNodeStatus;
  events: SimEventRecord[];
  /** Time of the wake-up event currently scheduled, if any. */
  wakeAt: number | undefined;
  /** Generation of the valid wake-up; older queued wake-ups are stale and skipped. */
  wakeGen: number;
  /** Until this virtual time a failure verdict about this node is legitimate (impaired + grace). */
  impairedUntil: number;
  /** The node was told to leave: from then on it may see itself as left. */
  hasLeft: boolean;
}

interface DialState {
  readonly dialer: number;
  readonly listener: number;
  readonly streamId: number;
  readonly expectReply: boolean;
  done: boolean;
}

type Item =
  | { readonly k: "wake"; readonly node: number; readonly gen: number }
  | { readonly k: "packet"; readonly to: number; readonly from: number; readonly bytes: Uint8Array }
  | { readonly k: "streamIn"; readonly dial: DialState; readonly bytes: Uint8Array }
  | { readonly k: "streamReply"; readonly dial: DialState; readonly bytes: Uint8Array }
  | { readonly k: "streamFail"; readonly dial: DialState; readonly failure: DialFailure }
  | { readonly k: "action"; readonly run: () => void };

/** What waits in a paused node's kernel: datagrams, accepted streams, outcomes of its dials. */
type Parked =
  | { readonly k: "packet"; readonly from: number; readonly bytes: Uint8Array }
  | { readonly k: "stream"; readonly dial: DialState; readonly bytes: Uint8Array }
  | Extract<Item, { k: "streamReply" | "streamFail" }>;

/** The memberlist port every simulated node listens on (they differ by host). */
export const SIM_PORT = 7946;

/**
 * Fewest steps between two sampled self-view checks (each costs one `members()` call, O(N));
 * the interval is at least N steps, so the sampling stays O(1) per step amortized.
 */
const SELF_CHECK_MIN_STEPS = 256;

/** Inbound stream ids the simulator hands to `onStream`; far from any core's own dial ids. */
const INBOUND_STREAM_BASE = 0x40000000;

/** Address of the simulated node with this index: 10.a.b.c, never a real socket. */
export function simAddress(index: number): Address {
  const n = index + 1;
  return { host: `10.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`, port: SIM_PORT };
}

/** Name of the simulated node with this index. */
export function simName(index: number): string {
  return `node-${String(index).padStart(4, "0")}`;
}

/** A deterministic simulation of many real protocol cores on a modelled network. */
export class Simulator {
  /** The root seed. */
  readonly seed: number;
  /** A generator for scenario decisions (which node to crash, which seed to join). */
  readonly rng: Rng;
  /** The network model; scenarios may tune it directly. */
  readonly network: Network<Parked>;
  /** The invariant checker, when enabled. */
  readonly invariants: InvariantChecker | undefined;
  private readonly memberlist: MemberlistConfig;
  private readonly createNode: NodeFactory;
  private readonly queue = new EventQueue<Item>();
  private readonly nodes: NodeState[] = [];
  private readonly byAddress = new Map<string, number>();
  private readonly byName = new Map<string, number>();
  private readonly inbound = new Map<number, DialState>();
  private readonly listeners: ((record: SimEventRecord) => void)[] = [];
  private readonly recordEvents: boolean;
  private readonly graceMs: number;
  private readonly testFile: string;
  private nextInbound = INBOUND_STREAM_BASE;
  private nowMs = 0;
  /** Steps since the last sampled self-view check, and the node it checks next (round robin). */
  private stepsSinceSelfCheck = 0;
  private nextSelfCheck = 0;
  /** Events popped from the queue so far. */
  steps = 0;

  constructor(options: SimulatorOptions) {
    this.seed = options.seed >>> 0;
    this.rng = createRng(deriveSeed(this.seed, "scenario"));
    this.network = new Network<Parked>(
      createRng(deriveSeed(this.seed, "network")),
      options.link,
      options.pausedBufferBytes,
    );
    this.memberlist = options.memberlist ?? lanConfig();
    this.createNode = options.createNode;
    this.recordEvents = options.recordEvents ?? false;
    this.graceMs = options.impairmentGraceMs ?? 120_000;
    this.testFile = options.testFile ?? "test/sim";
    this.invariants =
      options.checkInvariants === false
        ? undefined
        : new InvariantChecker(
            {
              indexOf: (name) => this.byName.get(name),
              nameOf: (index) => this.nodes[index]?.name ?? `#${index}`,
              wasImpaired: (index, nowMs) => (this.nodes[index]?.impairedUntil ?? Infinity) >= nowMs,
            },
            this.seed,
            this.testFile,
            options.strictFalsePositives ?? false,
          );
  }

  /** Current virtual time in milliseconds. */
  get now(): number {
    return this.nowMs;
  }

  /** Number of nodes ever added. */
  get size(): number {
    return this.nodes.length;
  }

  /** The memberlist configuration every node runs. */
  get config(): MemberlistConfig {
    return this.memberlist;
  }

  /** The node at `index`. */
  node(index: number): SimNode {
    return this.state(index);
  }

  /** Every node, in index order. */
  allNodes(): readonly SimNode[] {
    return this.nodes;
  }

  /** Indices of nodes that are running (up). */
  runningIndices(): number[] {
    const out: number[] = [];
    for (const node of this.nodes) if (node.status === "up") out.push(node.index);
    return out;
  }

  /** Index of the node with this name. */
  indexOf(name: string): number | undefined {
    return this.byName.get(name);
  }

  /** Registers a listener called synchronously for every event any node reports. */
  onEvent(listener: (record: SimEventRecord) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Creates a node (not yet joined to anyone) and returns its index. */
  addNode(tags: Readonly<Record<string, string>> = {}): number {
    return this.createNodeState(tags, undefined);
  }

  /**
   * Creates `count` nodes that start as one formed, quiet cluster: each knows all the others as
   * alive with nothing left to gossip, the state joins reach once their N² announcements have
   * drained. Only on an empty simulator (earlier nodes would not be in the cluster). Returns
   * the indices.
   */
  addFormedCluster(count: number): number[] {
    if (this.nodes.length > 0) throw new Error("addFormedCluster needs an empty simulator");
    const members: FormedMember[] = [];
    for (let index = 0; index < count; index++) {
      members.push({ name: simName(index), address: simAddress(index) });
    }
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push(this.createNodeState({}, members));
    return out;
  }

  private createNodeState(
    tags: Readonly<Record<string, string>>,
    formedCluster: readonly FormedMember[] | undefined,
  ): number {
    const index = this.nodes.length;
    const name = simName(index);
    const address = simAddress(index);
    const core = this.createNode({
      index,
      name,
      advertise: address,
      memberlist: this.memberlist,
      tags,
      rng: createRng(deriveSeed(this.seed, `node:${index}`)),
      nowMs: this.nowMs,
      ...(formedCluster === undefined ? {} : { formedCluster }),
    });
    const state: NodeState = {
      index,
      name,
      address,
      core,
      stats: {
        packetsSent: 0,
        bytesSent: 0,
        packetsReceived: 0,
        bytesReceived: 0,
        streamsOpened: 0,
        streamBytesSent: 0,
        streamBytesReceived: 0,
      },
      status: "up",
      events: [],
      wakeAt: undefined,
      wakeGen: 0,
      impairedUntil: -Infinity,
      hasLeft: false,
    };
    this.nodes.push(state);
    this.byAddress.set(addressKey(address), index);
    this.byName.set(name, index);
    this.scheduleWake(state);
    return index;
  }

  /** Creates `count` nodes and returns their indices. */
  addNodes(count: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push(this.addNode());
    return out;
  }

  /** Node `index` joins through the given seed nodes (push/pull with Join=true). */
  join(index: number, seeds: readonly number[]): void {
    const node = this.state(index);
    this.apply(
      node,
      node.core.join(
        seeds.map((s) => this.state(s).address),
        this.nowMs,
      ),
    );
  }

  /** Node `index` leaves gracefully; it keeps running until {@link stop}. */
  leave(index: number): void {
    const node = this.state(index);
    node.impairedUntil = Infinity;
    node.hasLeft = true;
    this.apply(node, node.core.leave(this.nowMs));
  }

  /** Stops a node for good, like a clean process exit after leave (its packets are dropped). */
  stop(index: number): void {
    this.halt(index, "stopped");
  }

  /** Crashes a node (kill -9): it never runs again, datagrams to it vanish, connects are refused. */
  crash(index: number): void {
    this.halt(index, "crashed");
  }

  /** Pauses a node (SIGSTOP): no timers fire; the kernel buffers what arrives. */
  pause(index: number): void {
    const node = this.state(index);
    if (node.status !== "up") return;
    node.status = "paused";
    node.impairedUntil = Infinity;
    this.network.setCondition(index, "paused");
  }

  /** Resumes a paused node (SIGCONT): it reads its buffered input, then its overdue timers fire. */
  resume(index: number): void {
    const node = this.state(index);
    if (node.status !== "paused") return;
    node.status = "up";
    node.impairedUntil = this.nowMs + this.graceMs;
    this.network.setCondition(index, "up");
    for (const parked of this.network.drainBuffer(index)) {
      if (node.status !== "up") break;
      if (parked.k === "packet") this.deliverPacket(node, parked.from, parked.bytes);
      else if (parked.k === "stream") this.deliverStream(node, parked.dial, parked.bytes);
      else this.finishDial(node, parked);
    }
    this.scheduleWake(node);
  }

  /** Splits the network into groups that cannot reach each other (see {@link Network.partition}). */
  partition(groups: readonly (readonly number[])[]): void {
    this.network.partition(groups);
    for (const node of this.nodes) node.impairedUntil = Infinity;
  }

  /** Heals every partition. */
  heal(): void {
    this.network.heal();
    for (const node of this.nodes) {
      if (node.impairedUntil === Infinity && node.status === "up")
        node.impairedUntil = this.nowMs + this.graceMs;
    }
  }

  /** Sets the loss probability (0..1) of every link without an override. */
  setLoss(loss: number): void {
    this.network.setDefaults({ loss });
  }

  /** Node `index` fires a Serf user event. */
  userEvent(index: number, name: string, payload: Uint8Array, coalesce = false): void {
    const node = this.state(index);
    this.apply(node, node.core.userEvent(name, payload, coalesce, this.nowMs));
  }

  /**
   * Node `index` broadcasts a service-registration-sized update: a user event carrying
   * `bytes` (default 440, near the most Serf's 512-byte encoded limit allows) of
   * deterministic payload, the size of a catalog entry with checks.
   */
  broadcastService(index: number, name = "service", bytes = 440): Uint8Array {
    const payload = new Uint8Array(bytes);
    for (let i = 0; i < bytes; i++) payload[i] = 97 + ((i * 7 + index) % 26);
    this.userEvent(index, name, payload, false);
    return payload;
  }

  /** Node `index` replaces its tags (re-gossiped as an alive message with new meta). */
  setTags(index: number, tags: Readonly<Record<string, string>>): void {
    const node = this.state(index);
    this.apply(node, node.core.setTags(tags, this.nowMs));
  }

  /** Node `index` starts a Serf query; returns its id (answers arrive as events). */
  query(index: number, params: QueryParams): number {
    const node = this.state(index);
    const { id, directives } = node.core.query(params, this.nowMs);
    this.apply(node, directives);
    return id;
  }

  /**
   * Node `index` answers a query it received. Call it from an event listener through
   * {@link at} (not synchronously inside the listener: the node is mid-input there).
   */
  respond(index: number, queryId: number, lTime: number, payload: Uint8Array): void {
    const node = this.state(index);
    this.apply(node, node.core.respond(queryId, lTime, payload, this.nowMs));
  }

  /** Node `index` forces `name` out (Serf's force-leave; `prune` erases it at once). */
  forceLeave(index: number, name: string, prune = false): void {
    const node = this.state(index);
    this.apply(node, node.core.forceLeave(name, prune, this.nowMs));
  }

  /** Runs `fn` at virtual time `atMs` (or now, if that has passed), in event order. */
  at(atMs: number, fn: () => void): void {
    this.queue.push(Math.max(atMs, this.nowMs), { k: "action", run: fn });
  }

  /** Processes every event up to and including `timeMs`, then sets the clock to it. */
  runUntil(timeMs: number): void {
    for (;;) {
      const top = this.queue.peek();
      if (top === undefined || top.timeMs > timeMs) break;
      this.step();
    }
    if (timeMs > this.nowMs) this.nowMs = timeMs;
  }

  /** Runs for `durationMs` of virtual time. */
  runFor(durationMs: number): void {
    this.runUntil(this.nowMs + durationMs);
  }

  /**
   * Runs until `predicate` holds or `deadlineMs` (absolute virtual time) passes. The predicate
   * is evaluated after every event, or, with `checkEveryMs`, only at that virtual cadence
   * (use it for predicates that cost O(N)). Returns the time it first held, or undefined.
   */
  runUntilTrue(predicate: () => boolean, deadlineMs: number, checkEveryMs?: number): number | undefined {
    if (predicate()) return this.nowMs;
    if (checkEveryMs !== undefined) {
      while (this.nowMs < deadlineMs) {
        this.runUntil(Math.min(deadlineMs, this.nowMs + checkEveryMs));
        if (predicate()) return this.nowMs;
      }
      return undefined;
    }
    for (;;) {
      const top = this.queue.peek();
      if (top === undefined || top.timeMs > deadlineMs) break;
      this.step();
      if (predicate()) return this.nowMs;
    }
    if (deadlineMs > this.nowMs) this.nowMs = deadlineMs;
    return undefined;
  }

  /** Traffic summed over all nodes. */
  totals(): NodeStats {
    const sum: NodeStats = {
      packetsSent: 0,
      bytesSent: 0,
      packetsReceived: 0,
      bytesReceived: 0,
      streamsOpened: 0,
      streamBytesSent: 0,
      streamBytesReceived: 0,
    };
    for (const { stats } of this.nodes) {
      sum.packetsSent += stats.packetsSent;
      sum.bytesSent += stats.bytesSent;
      sum.packetsReceived += stats.packetsReceived;
      sum.bytesReceived += stats.bytesReceived;
      sum.streamsOpened += stats.streamsOpened;
      sum.streamBytesSent += stats.streamBytesSent;
      sum.streamBytesReceived += stats.streamBytesReceived;
    }
    return sum;
  }

  /**
   * Describes the first disagreement between running nodes' views (running nodes alive,
   * everything else not alive), or undefined when every view agrees. O(N²): call it at the end.
   */
  divergence(): string | undefined {
    return describeDivergence(
      this.nodes.map((n) => ({ name: n.name, running: n.status === "up", members: () => n.core.members() })),
    );
  }

  /** Throws an {@link InvariantViolation} (with the replay command) unless every view agrees. */
  assertConverged(): void {
    const problem = this.divergence();
    if (problem !== undefined) {
      throw new InvariantViolation(
        `views did not converge at t=${this.nowMs.toFixed(1)} ms: ${problem}`,
        this.seed,
        replayCommand(this.seed, this.testFile),
      );
    }
  }

  /** Number of false failure detections so far (0 when invariants are off). */
  get falsePositives(): number {
    return this.invariants?.falsePositives.length ?? 0;
  }

  // ---- engine ----

  private state(index: number): NodeState {
    const node = this.nodes[index];
    if (node === undefined) throw new RangeError(`no simulated node ${index}`);
    return node;
  }

  private halt(index: number, status: "crashed" | "stopped"): void {
    const node = this.state(index);
    node.status = status;
    node.impairedUntil = Infinity;
    node.wakeGen++;
    node.wakeAt = undefined;
    this.network.setCondition(index, "crashed");
  }

  private step(): void {
    const entry = this.queue.pop()!;
    this.nowMs = entry.timeMs;
    this.steps++;
    const touched = this.process(entry.value);
    const invariants = this.invariants;
    if (invariants === undefined) return;
    // After each step (DESIGN.md section 3): O(1) checks on the node that just ran, if any.
    const node = touched === undefined ? undefined : this.nodes[touched];
    if (node !== undefined && node.status === "up") {
      invariants.checkStep(
        node.index,
        node.core.clocks(),
        node.core.healthScore(),
        this.memberlist.awarenessMaxMultiplier - 1,
        this.nowMs,
      );
    } else invariants.checkStep(-1, NO_CLOCKS, 0, 0, this.nowMs);
    if (++this.stepsSinceSelfCheck >= Math.max(SELF_CHECK_MIN_STEPS, this.nodes.length)) {
      this.stepsSinceSelfCheck = 0;
      this.checkNextSelfView(invariants);
    }
  }

  /** Checks the self-view of the next running node in round-robin order (O(N): sampled). */
  private checkNextSelfView(invariants: InvariantChecker): void {
    for (let tries = 0; tries < this.nodes.length; tries++) {
      const node = this.nodes[this.nextSelfCheck]!;
      this.nextSelfCheck = (this.nextSelfCheck + 1) % this.nodes.length;
      if (node.status !== "up") continue;
      const self = node.core.members().find((m) => m.name === node.name);
      invariants.checkSelf(node.index, self, node.hasLeft, this.nowMs);
      return;
    }
  }

  /** Carries out one queued item; returns the index of the node whose core handled an input. */
  private process(item: Item): number | undefined {
    switch (item.k) {
      case "wake": {
        const node = this.nodes[item.node]!;
        if (item.gen !== node.wakeGen) return undefined;
        node.wakeAt = undefined;
        if (node.status !== "up") return undefined;
        this.apply(node, node.core.onTimer(this.nowMs));
        return node.index;
      }
      case "packet": {
        const node = this.nodes[item.to]!;
        if (node.status === "up") this.deliverPacket(node, item.from, item.bytes);
        else if (node.status === "paused") {
          this.network.bufferForPaused(
            item.to,
            { k: "packet", from: item.from, bytes: item.bytes },
            item.bytes.length,
          );
        } else this.network.droppedPackets++;
        return node.index;
      }
      case "streamIn": {
        const node = this.nodes[item.dial.listener]!;
        if (node.status === "up") this.deliverStream(node, item.dial, item.bytes);
        else if (node.status === "paused") {
          this.network.bufferForPaused(
            node.index,
            { k: "stream", dial: item.dial, bytes: item.bytes },
            item.bytes.length,
          );
        } else {
          // Crashed between connect and write: the dialer sees a reset one way later.
          this.queue.push(this.nowMs + this.network.latency(node.index, item.dial.dialer), {
            k: "streamFail",
            dial: item.dial,
            failure: { reason: "connection reset by peer", refused: false },
          });
        }
        return node.index;
      }
      case "streamReply":
      case "streamFail": {
        const dialer = this.nodes[item.dial.dialer]!;
        if (item.dial.done) return undefined;
        if (dialer.status === "paused") {
          // The outcome waits in the socket (or the deadline passes) until the process runs.
          this.network.bufferForPaused(dialer.index, item, item.k === "streamReply" ? item.bytes.length : 0);
          return undefined;
        }
        if (dialer.status === "up") this.finishDial(dialer, item);
        return dialer.index;
      }
      case "action":
        item.run();
        return undefined;
    }
  }

  /** Reports the first outcome of a dial (reply or failure) to its dialer; later ones are moot. */
  private finishDial(dialer: NodeState, item: Extract<Item, { k: "streamReply" | "streamFail" }>): void {
    const dial = item.dial;
    if (dial.done) return;
    dial.done = true;
    if (item.k === "streamReply") {
      dialer.stats.streamBytesReceived += item.bytes.length;
      this.apply(dialer, dialer.core.onStreamReply(dial.streamId, item.bytes, this.nowMs));
    } else {
      this.apply(dialer, dialer.core.onStreamFailed(dial.streamId, item.failure, this.nowMs));
    }
  }

  private deliverPacket(node: NodeState, from: number, bytes: Uint8Array): void {
    node.stats.packetsReceived++;
    node.stats.bytesReceived += bytes.length;
    this.apply(node, node.core.onPacket(this.nodes[from]!.address, bytes, this.nowMs));
  }

  private deliverStream(node: NodeState, dial: DialState, bytes: Uint8Array): void {
    node.stats.streamBytesReceived += bytes.length;
    const inboundId = this.nextInbound++;
    if (dial.expectReply) this.inbound.set(inboundId, dial);
    else {
      // Fire-and-forget stream: the write succeeded once the listener has the bytes.
      this.queue.push(this.nowMs + this.network.latency(node.index, dial.dialer), {
        k: "streamReply",
        dial,
        bytes: new Uint8Array(0),
      });
    }
    this.apply(node, node.core.onStream(inboundId, this.nodes[dial.dialer]!.address, bytes, this.nowMs));
  }

  /** Carries out a node's directives, then re-arms its timer. */
  private apply(node: NodeState, directives: readonly Directive[]): void {
    for (const directive of directives) {
      switch (directive.kind) {
        case "send":
          this.send(node, directive.to, directive.bytes);
          break;
        case "dial":
          this.dial(node, directive);
          break;
        case "reply":
          this.reply(node, directive.streamId, directive.bytes);
          break;
        case "event":
          this.emit(node, directive.event);
          break;
      }
    }
    this.scheduleWake(node);
  }

  private send(node: NodeState, to: Address, bytes: Uint8Array): void {
    node.stats.packetsSent++;
    node.stats.bytesSent += bytes.length;
    const target = this.byAddress.get(addressKey(to));
    if (target === undefined) {
      this.network.droppedPackets++;
      return;
    }
    for (const latency of this.network.datagram(node.index, target)) {
      this.queue.push(this.nowMs + latency, { k: "packet", to: target, from: node.index, bytes });
    }
  }

  private dial(node: NodeState, directive: Extract<Directive, { kind: "dial" }>): void {
    node.stats.streamsOpened++;
    node.stats.streamBytesSent += directive.bytes.length;
    const target = this.byAddress.get(addressKey(directive.to));
    const dial: DialState = {
      dialer: node.index,
      listener: target ?? -1,
      streamId: directive.streamId,
      expectReply: directive.expectReply,
      done: false,
    };
    // The dialer's own deadline covers the whole exchange.
    this.queue.push(this.nowMs + directive.timeoutMs, {
      k: "streamFail",
      dial,
      failure: { reason: "i/o timeout", refused: false },
    });
    if (target === undefined) return;
    const outcome = this.network.stream(node.index, target, directive.bytes.length);
    if (outcome.kind === "connected") {
      // A request still in retransmission when the dialer's deadline passes never arrives: the
      // dialer closed the connection (the deadline's streamFail above is what it sees).
      if (outcome.latencyMs >= directive.timeoutMs) return;
      this.queue.push(this.nowMs + outcome.latencyMs, { k: "streamIn", dial, bytes: directive.bytes });
    } else if (outcome.kind === "refused") {
      this.queue.push(this.nowMs + outcome.latencyMs, {
        k: "streamFail",
        dial,
        failure: { reason: "connection refused", refused: true },
      });
    }
  }

  private reply(node: NodeState, streamId: number, bytes: Uint8Array): void {
    const dial = this.inbound.get(streamId);
    if (dial === undefined) return;
    this.inbound.delete(streamId);
    node.stats.streamBytesSent += bytes.length;
    if (!this.network.canReach(node.index, dial.dialer)) return;
    // Under loss the reply may be in retransmission past the dialer's deadline; the deadline's
    // streamFail then comes first and the late reply is moot (finishDial ignores it).
    this.queue.push(this.nowMs + this.network.streamTransfer(node.index, dial.dialer, bytes.length), {
      k: "streamReply",
      dial,
      bytes,
    });
  }

  private emit(node: NodeState, event: SwimEvent): void {
    const record: SimEventRecord = { timeMs: this.nowMs, node: node.index, event };
    this.invariants?.observe(node.index, event, this.nowMs);
    if (this.recordEvents) node.events.push(record);
    for (const listener of this.listeners) listener(record);
  }

  /** Keeps exactly one live wake-up per node, at its core's next deadline. */
  private scheduleWake(node: NodeState): void {
    if (node.status !== "up") return;
    const deadline = node.core.nextDeadline();
    if (deadline === undefined) return;
    const at = Math.max(deadline, this.nowMs);
    // An earlier wake-up already queued is harmless (onTimer does nothing early, then re-arms).
    if (node.wakeAt !== undefined && node.wakeAt <= at) return;
    node.wakeGen++;
    node.wakeAt = at;
    this.queue.push(at, { k: "wake", node: node.index, gen: node.wakeGen });
  }
}

/** Clocks passed with a step that no node handled (unused by the check). */
const NO_CLOCKS = { member: 0, event: 0, query: 0 } as const;

function addressKey(address: Address): string {
  return `${address.host}:${address.port}`;
}
