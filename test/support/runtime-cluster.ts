/**
 * Builds {@link NodeRuntime}s for integration tests: real protocol nodes on real (or memory,
 * or fault-injected) transports, plus polling and the timing bounds the tests assert, derived
 * from PROTOCOL.md's formulas rather than hand-picked numbers.
 *
 * The protocol node comes from {@link testNodeFactory}; switching every runtime test to the
 * full facade is the one marked line there.
 */
import type { Address, SwimNode } from "../../src/swim/core/api.js";
import type { MemberlistConfig } from "../../src/swim/core/config.js";
import { createRng, deriveSeed } from "../../src/swim/core/rng.js";
import { suspicionTimeoutMs } from "../../src/swim/core/suspicion.js";
import { memberlistNodeFactory } from "../../src/swim/sim/memberlist-node.js";
import { modelSummary } from "../../src/swim/sim/model.js";
import type { CreateNodeArgs, NodeRuntimeOptions } from "../../src/swim/runtime/node-runtime.js";
import { NodeRuntime } from "../../src/swim/runtime/node-runtime.js";

/**
 * The protocol node every runtime test runs. Today the memberlist layer with Serf-style user
 * events; when `createSwimNode` (src/swim/core/node.ts) lands, replace the marked line.
 */
export function testNodeFactory(
  name: string,
  config: MemberlistConfig,
  seed: number,
): (args: CreateNodeArgs) => SwimNode {
  return (args) =>
    // SWITCH: createSwimNode({ name, advertise: args.advertise, memberlist: {...}, tags: {}, rng, nowMs })
    memberlistNodeFactory({
      index: 0,
      name,
      advertise: args.advertise,
      memberlist: { ...config, packetOverheadBytes: args.packetOverheadBytes },
      tags: {},
      rng: createRng(deriveSeed(seed, name)),
      nowMs: args.nowMs,
    });
}

/** Options of {@link startRuntime}: runtime options minus `createNode`, plus the node's identity. */
export type TestRuntimeOptions = Omit<NodeRuntimeOptions, "createNode"> & {
  readonly name: string;
  readonly config: MemberlistConfig;
  readonly seed?: number;
};

/** Every runtime a test started, so {@link closeAll} can clean up after failures too. */
const started = new Set<NodeRuntime>();

/** Starts one runtime on 127.0.0.1 with an OS-picked port unless `bind` says otherwise. */
export async function startRuntime(opts: TestRuntimeOptions): Promise<NodeRuntime> {
  const { name, config, seed, ...rest } = opts;
  const rt = new NodeRuntime({
    bind: "127.0.0.1:0",
    maxInboundStreams: config.maxConcurrentPushPulls,
    ...rest,
    createNode: testNodeFactory(name, config, seed ?? 1),
  });
  await rt.start();
  started.add(rt);
  return rt;
}

/** Closes every runtime started through this module. */
export async function closeAll(): Promise<void> {
  const all = [...started];
  started.clear();
  await Promise.allSettled(all.map((rt) => rt.close()));
}

/** Names of the members `rt` sees as alive. */
export function aliveNames(rt: NodeRuntime): string[] {
  return rt
    .members()
    .filter((m) => m.status === "alive")
    .map((m) => m.name)
    .sort();
}

/** Polls `probe` every `everyMs` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined,
  timeoutMs: number,
  everyMs = 25,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The address of a runtime as a join seed. */
export function seedOf(rt: NodeRuntime): Address {
  return rt.advertise;
}

/**
 * Starts `n` runtimes, joins each to all earlier ones, and waits until every one sees all `n` alive
 * (within {@link convergenceBoundMs}). Names are `${prefix}-0` …
 */
export async function startCluster(
  n: number,
  base: Omit<TestRuntimeOptions, "name">,
  prefix = "node",
  perNode: (i: number) => Partial<TestRuntimeOptions> = () => ({}),
): Promise<NodeRuntime[]> {
  const nodes: NodeRuntime[] = [];
  for (let i = 0; i < n; i++)
    nodes.push(await startRuntime({ ...base, ...perNode(i), name: `${prefix}-${i}` }));
  // Each node joins every earlier one: the push/pull with each tells both sides about each
  // other, so formation does not hang on gossip luck. (With the local preset's retransmit
  // limit of 2 at this size, an alive message can miss a node until the next push/pull.)
  for (const [i, rt] of nodes.entries()) if (i > 0) await rt.join(nodes.slice(0, i).map(seedOf));
  const expected = nodes.map((rt) => rt.name).sort();
  try {
    await waitFor(
      `${n} nodes to see each other alive`,
      () => (nodes.every((rt) => aliveNames(rt).join() === expected.join()) ? true : undefined),
      convergenceBoundMs(base.config, n),
    );
  } catch (err) {
    const views = nodes.map((rt) => `${rt.name} sees [${aliveNames(rt).join(", ")}]`).join("; ");
    throw new Error(`${err instanceof Error ? err.message : String(err)}: ${views}`, { cause: err });
  }
  return nodes;
}

/**
 * Time for news to reach every node: the Serf model's 99.99 % dissemination time at this
 * fanout and gossip interval (PROTOCOL.md section 4), doubled, plus one probe round
 * (n probe intervals) as margin for a loaded test machine.
 */
export function convergenceBoundMs(config: MemberlistConfig, n: number): number {
  const d = modelSummary({
    nodes: n,
    fanout: config.gossipNodes,
    intervalMs: config.gossipIntervalMs,
  }).t9999Ms;
  return 2 * d + n * config.probeIntervalMs;
}

/** Lifeguard suspicion timeouts at cluster size n (PROTOCOL.md section 2.4). */
export function suspicionBoundsMs(config: MemberlistConfig, n: number): { minMs: number; maxMs: number } {
  const minMs = suspicionTimeoutMs(config.suspicionMult, n, config.probeIntervalMs);
  return { minMs, maxMs: config.suspicionMaxTimeoutMult * minMs };
}

/**
 * Upper bound on "a crashed node is failed in every survivor's view", from the protocol, at
 * health score 0. It holds for each survivor on its own, without any gossip:
 *
 * - own suspicion: probing is round-robin over the n−1 others and the order is reshuffled at
 *   each wrap-around, so the victim may be probed first in one round and last in the next:
 *   at most 2(n−1)−1 intervals between probes, plus the interval of the failing probe;
 * - then the suspicion timer runs at most the maximum timeout (no confirmations at all);
 * - plus the model's 99.99 % dissemination time, doubled, as slack for a busy machine.
 *
 * Gossip (suspect confirmations, another node's dead message) only makes it faster.
 */
export function failureDetectionBoundMs(config: MemberlistConfig, n: number): number {
  const ownSuspicion = 2 * (n - 1) * config.probeIntervalMs;
  const { maxMs } = suspicionBoundsMs(config, n);
  const d = modelSummary({
    nodes: n,
    fanout: config.gossipNodes,
    intervalMs: config.gossipIntervalMs,
  }).t9999Ms;
  return ownSuspicion + maxMs + 2 * d;
}
