/**
 * The entry point to Shoal's protocol core: memberlist with Serf on top, as one sans-I/O
 * {@link SwimNode}. Shells (the UDP/TCP runtime, the simulator) build nodes only through
 * {@link createSwimNode}.
 *
 * Every input goes to memberlist (or to Serf, for commands); memberlist calls Serf through
 * the delegate; both append to memberlist's one outbox, which is drained once per input and
 * returned. Two memberlist events are Serf's business and are translated on the way out:
 * `joinCompleted` of a join the shell asked for makes Serf announce a join intent, and
 * memberlist's `leaveCompleted` is only one step of Serf's leave, whose own `leaveCompleted`
 * follows after the propagate delay.
 */
import type { Address, DialFailure, Directive, MemberView, QueryParams, Rng, SwimNode } from "./api.js";
import type { MemberlistConfig } from "./config.js";
import { encodeTags } from "../codec/tags.js";
import { Memberlist } from "./memberlist.js";
import { defaultSerfConfig, type SerfConfig, withSerfVersions } from "./serf/config.js";
import type { SwimExtension } from "./serf/extension.js";
import { Serf, type SerfClocks, type SerfState } from "./serf/serf.js";

export { defaultSerfConfig, type SerfConfig } from "./serf/config.js";
export type { SwimExtension } from "./serf/extension.js";
export type { SerfClocks, SerfState } from "./serf/serf.js";

/** What a node is made of. */
export interface CreateSwimNodeOptions {
  readonly name: string;
  /** The address peers reach us at (IP literal; UDP and TCP share the port). */
  readonly advertise: Address;
  /** memberlist timing (`lanConfig()`, `wanConfig()`, `localConfig()`, possibly tuned). */
  readonly memberlist: MemberlistConfig;
  /** Serf's settings; Serf's defaults for whatever is absent. */
  readonly serf?: Partial<SerfConfig>;
  readonly tags?: Readonly<Record<string, string>>;
  /** Injected randomness; one stream per node. */
  readonly rng: Rng;
  /** The shell's monotonic time at creation. */
  readonly nowMs: number;
  /**
   * Lamport clocks a previous run saved from `clocks()` (snapshot): they resume there, and older
   * user events and queries are not delivered again. Known peers are the agent's business.
   */
  readonly clocks?: SerfClocks;
  /** A layer gossiping its own messages through this node (Shoal's catalog). */
  readonly extension?: SwimExtension;
  /**
   * Start as a member of this already formed, quiet cluster instead of alone (simulator only;
   * see `Memberlist.adoptFormedView`). Entries naming this node are skipped.
   */
  readonly formedCluster?: readonly FormedMember[];
}

/** A member of a formed cluster, for {@link CreateSwimNodeOptions.formedCluster}. */
export interface FormedMember {
  readonly name: string;
  readonly address: Address;
  readonly tags?: Readonly<Record<string, string>>;
}

/** A {@link SwimNode} with Serf's extras. */
export interface ShoalNode extends SwimNode {
  /**
   * Queue an extension message for gossip under `name`; a newer message with the same name
   * replaces one still queued. Sent with the next packets; nothing to carry out now.
   */
  broadcastExtension(name: string, payload: Uint8Array): void;
  /** Drop the extension message still queued under `name`, if any (it is sent no more). */
  invalidateExtension(name: string): void;
  /** Serf's lifecycle: alive, leaving (a leave is in progress) or left. */
  serfState(): SerfState;
  /** Broadcast queue depths (`serf info`'s intent/event/query queues, plus the extension's). */
  queueDepths(): {
    readonly intents: number;
    readonly queries: number;
    readonly events: number;
    readonly extension: number;
  };
  /** Messages each broadcast queue dropped to Serf's depth limit since start (metrics). */
  queueDrops(): {
    readonly intents: number;
    readonly queries: number;
    readonly events: number;
    readonly extension: number;
  };
}

/** memberlist + Serf behind the {@link SwimNode} contract. */
class SerfNode implements ShoalNode {
  readonly name: string;
  private readonly serf: Serf;
  private readonly ml: Memberlist;

  constructor(options: CreateSwimNodeOptions) {
    this.name = options.name;
    this.serf = new Serf({
      name: options.name,
      config: { ...defaultSerfConfig(), ...options.serf },
      memberlist: options.memberlist,
      tags: options.tags ?? {},
      rng: options.rng,
      ...(options.clocks === undefined ? {} : { clocks: options.clocks }),
      ...(options.extension === undefined ? {} : { extension: options.extension }),
    });
    this.ml = new Memberlist({
      name: options.name,
      address: options.advertise,
      config: withSerfVersions(options.memberlist),
      rng: options.rng,
      delegate: this.serf.delegate,
    });
    this.serf.bind(this.ml, options.advertise, options.nowMs);
    this.ml.start(options.nowMs);
    if (options.formedCluster !== undefined) {
      const noTags = encodeTags({});
      const peers = options.formedCluster.map((m) => ({
        name: m.name,
        address: m.address,
        meta: m.tags === undefined ? noTags : encodeTags(m.tags),
      }));
      this.ml.adoptFormedView(peers, options.nowMs);
    }
    // Start-up events (our own join) happen before any shell listens.
    this.ml.drain();
  }

  nextDeadline(): number | undefined {
    const a = this.ml.nextDeadline();
    const b = this.serf.nextDeadline();
    if (a === undefined) return b;
    return b === undefined || a <= b ? a : b;
  }

  onTimer(nowMs: number): readonly Directive[] {
    this.serf.touch(nowMs);
    this.ml.onTimer(nowMs);
    this.serf.onTimer(nowMs);
    return this.flush(nowMs);
  }

  onPacket(from: Address, bytes: Uint8Array, nowMs: number): readonly Directive[] {
    this.serf.touch(nowMs);
    this.serf.receivingFrom(from);
    this.ml.onPacket(from, bytes, nowMs); // never throws
    this.serf.receivingFrom(undefined);
    return this.flush(nowMs);
  }

  deferInbound(): void {
    this.ml.deferInbound();
  }

  inboundPending(): number {
    return this.ml.inboundPending();
  }

  onInbound(nowMs: number, max: number): readonly Directive[] {
    this.serf.touch(nowMs);
    this.ml.handleInbound(nowMs, max, (from) => this.serf.receivingFrom(from));
    this.serf.receivingFrom(undefined);
    return this.flush(nowMs);
  }

  onStream(streamId: number, from: Address, bytes: Uint8Array, nowMs: number): readonly Directive[] {
    this.serf.touch(nowMs);
    this.serf.receivingFrom(from);
    this.ml.onStream(streamId, from, bytes, nowMs); // never throws
    this.serf.receivingFrom(undefined);
    return this.flush(nowMs);
  }

  onStreamReply(streamId: number, bytes: Uint8Array, nowMs: number): readonly Directive[] {
    this.serf.touch(nowMs);
    this.ml.onStreamReply(streamId, bytes, nowMs);
    return this.flush(nowMs);
  }

  onStreamFailed(streamId: number, failure: DialFailure, nowMs: number): readonly Directive[] {
    this.serf.touch(nowMs);
    this.ml.onStreamFailed(streamId, failure, nowMs);
    return this.flush(nowMs);
  }

  onLocalDelay(delayMs: number, nowMs: number): readonly Directive[] {
    this.ml.onLocalDelay(delayMs, nowMs);
    return this.flush(nowMs);
  }

  join(seeds: readonly Address[], nowMs: number): readonly Directive[] {
    this.serf.touch(nowMs);
    this.serf.join(seeds, nowMs);
    return this.flush(nowMs);
  }

  leave(nowMs: number): readonly Directive[] {
    this.serf.touch(nowMs);
    this.serf.leave(nowMs);
    return this.flush(nowMs);
  }

  setTags(tags: Readonly<Record<string, string>>, nowMs: number): readonly Directive[] {
    this.serf.touch(nowMs);
    this.serf.setTags(tags, nowMs);
    this.ml.gossipNews(nowMs);
    return this.flush(nowMs);
  }

  userEvent(name: string, payload: Uint8Array, coalesce: boolean, nowMs: number): readonly Directive[] {
    this.serf.touch(nowMs);
    this.serf.userEvent(name, payload, coalesce);
    this.ml.gossipNews(nowMs);
    return this.flush(nowMs);
  }

  query(
    params: QueryParams,
    nowMs: number,
  ): { readonly id: number; readonly directives: readonly Directive[] } {
    this.serf.touch(nowMs);
    const id = this.serf.queries.start(params, nowMs);
    this.ml.gossipNews(nowMs);
    return { id, directives: this.flush(nowMs) };
  }

  respond(queryId: number, lTime: number, payload: Uint8Array, nowMs: number): readonly Directive[] {
    this.serf.touch(nowMs);
    this.serf.queries.respond(queryId, lTime, payload, nowMs);
    return this.flush(nowMs);
  }

  forceLeave(node: string, prune: boolean, nowMs: number): readonly Directive[] {
    this.serf.touch(nowMs);
    this.serf.forceLeave(node, prune, nowMs);
    this.ml.gossipNews(nowMs);
    return this.flush(nowMs);
  }

  broadcastExtension(name: string, payload: Uint8Array): void {
    this.serf.broadcastExtension(name, payload);
  }

  invalidateExtension(name: string): void {
    this.serf.invalidateExtension(name);
  }

  members(): readonly MemberView[] {
    return this.serf.memberViews();
  }

  healthScore(): number {
    return this.ml.healthScore();
  }

  clocks(): SerfClocks {
    return this.serf.clocks();
  }

  serfState(): SerfState {
    return this.serf.state();
  }

  queueDepths(): {
    readonly intents: number;
    readonly queries: number;
    readonly events: number;
    readonly extension: number;
  } {
    return this.serf.broadcasts.depths();
  }

  queueDrops(): {
    readonly intents: number;
    readonly queries: number;
    readonly events: number;
    readonly extension: number;
  } {
    return this.serf.broadcasts.drops();
  }

  /** Drain memberlist's outbox, translating the two events that are steps of Serf's flows. */
  private flush(nowMs: number): Directive[] {
    this.ml.relayIfPending(nowMs);
    const out = this.ml.drain();
    let translated = false;
    for (let i = 0; i < out.length; i++) {
      const d = out[i] as Directive;
      if (d.kind !== "event") continue;
      const e = d.event;
      if (e.kind === "joinCompleted") {
        this.serf.joinCompleted(e.contacted);
        translated = true;
      } else if (e.kind === "leaveCompleted" && this.serf.awaitingMemberlistLeave()) {
        this.serf.memberlistLeft(nowMs);
        out.splice(i--, 1);
        translated = true;
      }
    }
    // Serf's reaction may have queued more (never directives today, but keep the order right).
    if (translated) for (const d of this.ml.drain()) out.push(d);
    return out;
  }
}

/**
 * Builds a started node. Throws `EncodeError` when the tags do not fit in 512 bytes and
 * `RangeError` for an advertise address that is not an IP literal or an extension type in
 * Serf's range.
 */
export function createSwimNode(options: CreateSwimNodeOptions): ShoalNode {
  return new SerfNode(options);
}
