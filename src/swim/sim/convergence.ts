/**
 * One convergence experiment, the question Serf's web simulator answered with a formula,
 * answered here with the real protocol: form a cluster of N nodes, let it go quiet, then
 * originate one update at one node at t0 and record when each live node learns it.
 *
 * Definitions (what the numbers mean):
 * - **userEvent** (default): t0 is the moment the origin fires a user event carrying
 *   `payloadBytes` (a service registration's size). A node "knows" the update when its core
 *   reports `userEventReceived` for it; the origin knows it at t0.
 * - **join**: the cluster is formed with N-1 nodes, then node N joins a random member. t0 is
 *   the moment the joiner's push/pull completes (its `joinCompleted` event). A node knows the
 *   update when it reports `memberJoined` for the joiner; the joiner knows itself, and the
 *   seed that answered the push/pull already knew before t0 (counted at t0).
 * - Fractions are over the *live* nodes: the `failed` fraction of nodes (never the origin) is
 *   crashed at t0, just before the update, so they are still gossip targets (wasted contacts,
 *   as in Serf's model).
 * - t50 / t99 / t100 are the first times at least 50 %, 99 %, 100 % of live nodes know it,
 *   measured from t0.
 * - Bandwidth is UDP bytes sent plus received per node per second over [t0, t0 + t100] (or
 *   the measurement deadline), comparable with Serf's estimate, which also counts both
 *   directions of gossip packets; TCP push/pull bytes are reported separately.
 */
import type { MemberlistConfig } from "../core/config.js";
import { lanConfig } from "../core/config.js";
import type { ModelParams, ModelSummary } from "./model.js";
import { modelCurve, modelSummary } from "./model.js";
import type { NodeFactory } from "./simulator.js";
import { Simulator } from "./simulator.js";

/**
 * Default user-event payload: a service registration's size, as large as Serf allows. Serf
 * refuses an event whose *encoded* message exceeds its 512-byte limit (`serf.go` UserEvent),
 * and this payload plus the experiment's event name and the msgpack framing stays under it.
 */
export const DEFAULT_EVENT_PAYLOAD_BYTES = 440;

/** How the cluster is formed before an experiment: by a join storm or started formed. */
export type Formation = "joins" | "formed";

/** What update the experiment measures. */
export type UpdateKind = "userEvent" | "join";

/** Inputs of one experiment. */
export interface ConvergenceOptions {
  /** Cluster size N (including the origin; for `join`, including the joiner). */
  readonly nodes: number;
  readonly seed: number;
  readonly createNode: NodeFactory;
  /** Gossip fanout; the base config's when absent. */
  readonly fanout?: number;
  /** Gossip interval in ms; the base config's when absent. */
  readonly intervalMs?: number;
  /** Packet loss fraction applied to every link for the whole run (formation included). */
  readonly loss?: number;
  /** Fraction of nodes crashed at t0. */
  readonly failed?: number;
  readonly update?: UpdateKind;
  /** Payload size of the user event (default {@link DEFAULT_EVENT_PAYLOAD_BYTES}). */
  readonly payloadBytes?: number;
  /** Base memberlist config (default LAN). */
  readonly memberlist?: MemberlistConfig;
  /** Give up measuring this long after t0 (default: 20 × the model's 99.99 % time, at least 30 s). */
  readonly maxMeasureMs?: number;
  /** Quiet time after every node sees every other as alive, before t0 (default 10 s). */
  readonly settleMs?: number;
  /**
   * How the cluster comes to be before t0 (default `joins`): `joins` runs a real join storm and
   * waits for its backlog to drain (cost grows with N²); `formed` starts every node as a member
   * of a formed, quiet cluster ({@link formQuietCluster}), the state the storm ends in.
   */
  readonly formation?: Formation;
  /** The test file running this, for replay hints. */
  readonly testFile?: string;
}

/** One point of the measured curve. */
export interface CurvePoint {
  /** Time since t0 in ms. */
  readonly timeMs: number;
  /** Fraction of live nodes that know the update. */
  readonly fraction: number;
}

/** Outcome of one experiment. JSON-serialisable. */
export interface ConvergenceResult {
  readonly seed: number;
  readonly settings: {
    readonly nodes: number;
    readonly fanout: number;
    readonly intervalMs: number;
    readonly loss: number;
    readonly failed: number;
    readonly update: UpdateKind;
    readonly payloadBytes: number;
  };
  /** Virtual time at which the update originated (cluster formation took this long). */
  readonly t0Ms: number;
  readonly liveNodes: number;
  readonly t50Ms: number | null;
  readonly t99Ms: number | null;
  /** null if some live node never learned the update before the deadline. */
  readonly t100Ms: number | null;
  /** Live nodes that knew the update when measurement stopped. */
  readonly reached: number;
  /** Step curve: one point per node that learned the update, starting at t0. */
  readonly curve: readonly CurvePoint[];
  /** UDP bytes sent per node per second over the measurement window (what Serf's simulator asks). */
  readonly bytesPerNodePerSec: number;
  /**
   * UDP bytes sent + received per node per second over the window: what Serf's bandwidth
   * estimate (`model.bandwidthBytesPerSec`, every packet counted at both ends) is comparable to.
   */
  readonly bytesSentReceivedPerNodePerSec: number;
  /** UDP packets sent per node per second over the window. */
  readonly packetsPerNodePerSec: number;
  /** TCP (push/pull) bytes sent + received per node per second over the window. */
  readonly streamBytesPerNodePerSec: number;
  /** Length of the measurement window in ms. */
  readonly windowMs: number;
  /** Failure verdicts about healthy nodes over the whole run. */
  readonly falsePositives: number;
  /** Serf's model for the same inputs (loss and failed included). */
  readonly model: ModelSummary;
  /** The model's curve, one point per round. */
  readonly modelCurve: readonly CurvePoint[];
  /** Events the simulator processed while measuring. */
  readonly steps: number;
}

/** An experiment's result together with the simulator it ran on (for further assertions). */
export interface ConvergenceRun {
  readonly result: ConvergenceResult;
  readonly simulator: Simulator;
}

/** Runs one convergence experiment on a fresh simulator. Deterministic for a seed and options. */
export function runConvergence(options: ConvergenceOptions): ConvergenceRun {
  const base = options.memberlist ?? lanConfig();
  const fanout = options.fanout ?? base.gossipNodes;
  const intervalMs = options.intervalMs ?? base.gossipIntervalMs;
  const n = options.nodes;
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`nodes must be an integer >= 2, got ${n}`);
  const update = options.update ?? "userEvent";
  const simulator = new Simulator({
    seed: options.seed,
    createNode: options.createNode,
    memberlist: { ...base, gossipNodes: fanout, gossipIntervalMs: intervalMs },
    link: { loss: options.loss ?? 0 },
    ...(options.testFile === undefined ? {} : { testFile: options.testFile }),
  });
  const members = update === "join" ? n - 1 : n;
  const settleMs = options.settleMs ?? 10_000;
  if (options.formation === "formed") formQuietCluster(simulator, members, settleMs);
  else formCluster(simulator, members, settleMs);
  const result = measureUpdate(simulator, {
    update,
    ...(options.failed === undefined ? {} : { failed: options.failed }),
    ...(options.payloadBytes === undefined ? {} : { payloadBytes: options.payloadBytes }),
    ...(options.maxMeasureMs === undefined ? {} : { maxMeasureMs: options.maxMeasureMs }),
  });
  return { result, simulator };
}

/** What {@link measureUpdate} measures. */
export interface MeasureOptions {
  readonly update: UpdateKind;
  /** Fraction of running nodes crashed at t0 (never the origin). */
  readonly failed?: number;
  /** User event payload size (default {@link DEFAULT_EVENT_PAYLOAD_BYTES}). */
  readonly payloadBytes?: number;
  /** Give up this long after t0 (default: 20 × the model's 99.99 % time, at least 30 s). */
  readonly maxMeasureMs?: number;
}

/**
 * Measures one update on an already formed, quiet cluster (see the module comment for the
 * definitions). A `join` adds one node, so N in the model is the running count plus one.
 * Model inputs (fanout, interval, loss) are read from the simulator's config and network.
 */
export function measureUpdate(simulator: Simulator, options: MeasureOptions): ConvergenceResult {
  const update = options.update;
  const failed = options.failed ?? 0;
  const payloadBytes = options.payloadBytes ?? DEFAULT_EVENT_PAYLOAD_BYTES;
  const fanout = simulator.config.gossipNodes;
  const intervalMs = simulator.config.gossipIntervalMs;
  const loss = simulator.network.defaultLink.loss;
  const n = simulator.runningIndices().length + (update === "join" ? 1 : 0);
  const params: ModelParams = { nodes: n, fanout, intervalMs, loss, failed };
  const model = modelSummary(params);
  const maxMeasureMs = options.maxMeasureMs ?? Math.max(30_000, 20 * model.t9999Ms);
  const stepsBefore = simulator.steps;

  // ---- t0: crash the failed fraction, then originate the update ----
  const known = new Map<number, number>();
  const candidates = simulator.runningIndices();
  let origin = candidates[simulator.rng.int(candidates.length)]!;
  let joiner: string | undefined;
  let t0 = simulator.now;
  if (update === "join") {
    origin = simulator.addNode();
    joiner = simulator.node(origin).name;
  }
  for (const victim of pickVictims(simulator, Math.floor(failed * n), origin)) simulator.crash(victim);

  const eventName = `convergence-${Math.round(simulator.now)}`;
  let joinDone = false;
  const off = simulator.onEvent(({ node, event, timeMs }) => {
    if (update === "userEvent") {
      if (event.kind === "userEventReceived" && event.name === eventName && !known.has(node)) {
        known.set(node, timeMs);
      }
    } else if (event.kind === "memberJoined" && event.member.name === joiner && !known.has(node)) {
      known.set(node, timeMs);
    } else if (event.kind === "joinCompleted" && node === origin && !joinDone) {
      joinDone = true;
      t0 = timeMs;
    }
  });

  const before = simulator.totals();
  if (update === "userEvent") {
    t0 = simulator.now;
    known.set(origin, t0);
    simulator.broadcastService(origin, eventName, payloadBytes);
  } else {
    const seeds = simulator.runningIndices().filter((i) => i !== origin);
    known.set(origin, simulator.now);
    simulator.join(origin, [seeds[simulator.rng.int(seeds.length)]!]);
    // t0 is the joinCompleted event; a push/pull takes one TCP round trip.
    simulator.runUntilTrue(() => joinDone, simulator.now + simulator.config.tcpTimeoutMs);
    if (!joinDone) {
      off();
      throw new Error(`join of ${joiner ?? "?"} did not complete (seed ${simulator.seed})`);
    }
  }

  const live = new Set(simulator.runningIndices());
  const liveCount = live.size;
  const liveKnown = (): number => {
    let count = 0;
    for (const node of known.keys()) if (live.has(node)) count++;
    return count;
  };
  // O(1) until enough nodes are known, so it can run after every event.
  simulator.runUntilTrue(() => known.size >= liveCount && liveKnown() >= liveCount, t0 + maxMeasureMs);
  off();
  const after = simulator.totals();

  const times = [...known.entries()]
    .filter(([node]) => live.has(node))
    .map(([, time]) => Math.max(0, time - t0))
    .sort((a, b) => a - b);
  const timeToCount = (count: number): number | null => (count <= times.length ? times[count - 1]! : null);
  const t100Ms = times.length >= liveCount ? timeToCount(liveCount) : null;
  const windowMs = Math.max(1, t100Ms ?? simulator.now - t0);
  const perNodePerSec = (value: number): number => value / liveCount / (windowMs / 1000);

  const curve: CurvePoint[] = [];
  times.forEach((timeMs, i) => {
    const fraction = (i + 1) / liveCount;
    const last = curve[curve.length - 1];
    if (last !== undefined && last.timeMs === timeMs) curve[curve.length - 1] = { timeMs, fraction };
    else curve.push({ timeMs, fraction });
  });

  return {
    seed: simulator.seed,
    settings: { nodes: n, fanout, intervalMs, loss, failed, update, payloadBytes },
    t0Ms: t0,
    liveNodes: liveCount,
    t50Ms: timeToCount(Math.ceil(0.5 * liveCount)),
    t99Ms: timeToCount(Math.ceil(0.99 * liveCount)),
    t100Ms,
    reached: times.length,
    curve,
    bytesPerNodePerSec: perNodePerSec(after.bytesSent - before.bytesSent),
    bytesSentReceivedPerNodePerSec: perNodePerSec(
      after.bytesSent - before.bytesSent + (after.bytesReceived - before.bytesReceived),
    ),
    packetsPerNodePerSec: perNodePerSec(after.packetsSent - before.packetsSent),
    streamBytesPerNodePerSec: perNodePerSec(
      after.streamBytesSent -
        before.streamBytesSent +
        (after.streamBytesReceived - before.streamBytesReceived),
    ),
    windowMs,
    falsePositives: simulator.falsePositives,
    model,
    modelCurve: modelCurve(params).map((p) => ({ timeMs: p.timeMs, fraction: p.fraction })),
    steps: simulator.steps - stepsBefore,
  };
}

/**
 * Forms a cluster of `count` fresh nodes, the way a fleet boots and then converges:
 * node 0 starts alone, node i joins node 0 at i × 2 ms (a join storm), and once node 0 has
 * merged every join, each node joins node 0 once more (a second push/pull, as an agent with
 * `retry_join` does), so every node holds the full membership after one round trip instead
 * of waiting for gossip to deliver N alive messages through the rate-limited queues.
 *
 * Returns once every node sees all `count` members alive and the cluster has gone quiet:
 * until the broadcast queues have drained (UDP traffic per node per second back at probe
 * level, checked each second) or `settleMs` has passed, whichever is first, so the
 * measurement sees the update's traffic and not the formation's backlog.
 */
export function formCluster(simulator: Simulator, count: number, settleMs: number): void {
  const first = simulator.size;
  const indices = simulator.addNodes(count);
  // Every (observer, subject) pair seen alive once; formation has no failures, so a counter suffices.
  let joins = 0;
  let joinsCompleted = 0;
  const seedIndex = indices[0]!;
  const off = simulator.onEvent(({ node, event }) => {
    if (event.kind === "memberJoined" && node >= first && event.member.name !== simulator.node(node).name)
      joins++;
    if (event.kind === "joinCompleted" && node >= first) joinsCompleted++;
  });
  const start = simulator.now;
  const spacingMs = 2;
  indices.forEach((index, i) => {
    if (i > 0) simulator.at(start + i * spacingMs, () => simulator.join(index, [seedIndex]));
  });
  const stormEnd = start + count * spacingMs;
  simulator.runUntilTrue(() => joinsCompleted >= count - 1, stormEnd + 60_000);
  indices.forEach((index, i) => {
    if (i > 0) simulator.at(simulator.now + i * 0.1, () => simulator.join(index, [seedIndex]));
  });
  const target = count * (count - 1);
  const deadline = simulator.now + 600_000;
  const formedAt = simulator.runUntilTrue(() => joins >= target, deadline);
  off();
  if (formedAt === undefined) {
    throw new Error(
      `cluster of ${count} did not form within ${deadline - start} ms (seed ${simulator.seed}): ` +
        `${joins} of ${target} memberships seen`,
    );
  }
  waitQuiet(simulator, settleMs);
}

/**
 * Starts `count` nodes as one formed, quiet cluster (`Simulator.addFormedCluster`) and runs
 * them for `settleMs` so that probing is under way, as in a cluster that has been up a while.
 * Orders of magnitude cheaper than {@link formCluster} at large N, which pays for every node
 * announcing itself to every other (about N² × 16 message receptions).
 */
export function formQuietCluster(simulator: Simulator, count: number, settleMs: number): void {
  simulator.addFormedCluster(count);
  simulator.runFor(settleMs);
}

/**
 * Runs until UDP traffic falls to probe level (under {@link QUIET_BYTES_PER_NODE_PER_SEC}
 * sent per running node over the last second) or `maxMs` passes. Returns the time spent.
 */
export function waitQuiet(simulator: Simulator, maxMs: number): number {
  const start = simulator.now;
  let last = simulator.totals().bytesSent;
  while (simulator.now - start < maxMs) {
    simulator.runFor(1_000);
    const sent = simulator.totals().bytesSent;
    const perNode = (sent - last) / Math.max(1, simulator.runningIndices().length);
    last = sent;
    if (perNode < QUIET_BYTES_PER_NODE_PER_SEC) break;
  }
  return simulator.now - start;
}

/**
 * "Quiet": a node probes once a second (ping + ack, a few hundred bytes with Serf's
 * coordinate payload) and answers about as many probes; anything well above means the
 * broadcast queues are still draining.
 */
export const QUIET_BYTES_PER_NODE_PER_SEC = 1_000;

function pickVictims(simulator: Simulator, count: number, spare: number): number[] {
  const pool = simulator.runningIndices().filter((i) => i !== spare);
  const victims: number[] = [];
  for (let i = 0; i < count && pool.length > 0; i++) {
    const at = simulator.rng.int(pool.length);
    victims.push(pool[at]!);
    pool.splice(at, 1);
  }
  return victims;
}
