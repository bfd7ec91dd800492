/**
 * The entry point to Shoal's protocol core: a memberlist + Serf node as one sans-I/O
 * {@link SwimNode}. Shells (the UDP/TCP runtime, the simulator) build nodes only through here.
 */
import type { Address, Rng } from "./api.js";
import type { MemberlistConfig } from "./config.js";
import { defaultSerfConfig, type SerfConfig } from "./serf/config.js";
import { SerfNode, type SwimExtension } from "./serf/serf-node.js";

export { SerfNode, type SwimExtension } from "./serf/serf-node.js";
export { defaultSerfConfig, type SerfConfig } from "./serf/config.js";

/** What a node is made of. */
export interface CreateSwimNodeOptions {
  readonly name: string;
  /** The address peers reach us at (IP literal; UDP and TCP share the port). */
  readonly advertise: Address;
  /** memberlist timing (`lanConfig()`, `wanConfig()`, `localConfig()`, possibly tuned). */
  readonly memberlist: MemberlistConfig;
  /** Serf's settings; Serf's defaults when absent. */
  readonly serf?: Partial<SerfConfig>;
  readonly tags?: Readonly<Record<string, string>>;
  /** Injected randomness; one stream per node. */
  readonly rng: Rng;
  /** The shell's monotonic time at creation. */
  readonly nowMs: number;
  /** Lamport clocks restored from a snapshot. */
  readonly clocks?: { readonly member: number; readonly event: number; readonly query: number };
  /** A layer gossiping its own messages through this node (Shoal's catalog). */
  readonly extension?: SwimExtension;
}

/** Builds a started node. Throws EncodeError when the tags do not fit in 512 bytes. */
export function createSwimNode(options: CreateSwimNodeOptions): SerfNode {
  return new SerfNode({
    name: options.name,
    advertise: options.advertise,
    memberlist: options.memberlist,
    serf: { ...defaultSerfConfig(), ...options.serf },
    tags: options.tags ?? {},
    rng: options.rng,
    nowMs: options.nowMs,
    ...(options.clocks === undefined ? {} : { clocks: options.clocks }),
    ...(options.extension === undefined ? {} : { extension: options.extension }),
  });
}
