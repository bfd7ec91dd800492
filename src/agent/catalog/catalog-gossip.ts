/**
 * The seam between the catalog and the swim node: it has the shape of the swim node's
 * extension hooks (`messageType`, `onMessage`, `localState`, `mergeRemoteState`) and sends
 * through a `broadcast(name, payload)` callback that the agent binds to the node's
 * `broadcastExtension`.
 *
 * Dissemination is epidemic, like Serf's user events: an update that was new to this agent is
 * queued again for its own gossip, named per (node, service) so a newer version of the same
 * service replaces an older one still waiting in the queue. Push/pull carries the full
 * catalog and is not re-gossiped.
 */
import { DecodeError } from "../../errors.js";
import type { CatalogStore } from "./catalog-store.js";
import type { ServiceUpdate } from "./record.js";
import { decodeFullState, decodeStampedUpdate, encodeFullState, encodeUpdate, WireKind } from "./wire.js";
import { FragmentAssembler, fragmentKey, splitMessage } from "./wire-fragments.js";

/** The Serf message type byte of catalog gossip (Serf itself uses 0..9 and ignores others). */
export const CATALOG_MESSAGE_TYPE = 200;

/** Options of {@link CatalogGossip}. */
export interface CatalogGossipOptions {
  /** Queues a payload on the swim node's extension broadcast queue under `name`. */
  readonly broadcast: (name: string, payload: Uint8Array) => void;
  /**
   * Drops what is still queued under `name` (the swim node's `invalidateExtension`). Used when
   * a newer version of a record splits into fewer parts than the one queued before it: the
   * older version's extra parts (`name#i`) are not replaced by any new part and would keep
   * being sent for nothing (receivers can never complete them).
   */
  readonly invalidate?: (name: string) => void;
  /**
   * Largest payload to hand to `broadcast`; bigger updates are fragmented. Default 1000,
   * which leaves room in a 1400-byte memberlist packet for compound framing and a label.
   */
  readonly maxMessageBytes?: number;
  /** Told about each undecodable message (they are dropped and counted, never thrown). */
  readonly onDecodeError?: (error: DecodeError) => void;
  /** How often expired tombstones are pruned while started (default 60 s). */
  readonly pruneIntervalMs?: number;
  /**
   * Told about each gossiped update that changed the catalog, with the origin's wall-clock
   * publication stamp if it carried one (convergence metrics).
   */
  readonly onApplied?: (update: ServiceUpdate, originMs: number | undefined) => void;
  /** Told after each push/pull full state was merged (convergence metrics). */
  readonly onFullStateMerged?: () => void;
  /** Wall clock for stamping this agent's own updates; defaults to `Date.now`. */
  readonly wallClock?: () => number;
}

/** Counters for metrics. */
export interface CatalogGossipCounters {
  received: number;
  applied: number;
  broadcasts: number;
  decodeErrors: number;
  fullStatesMerged: number;
}

/** Catalog gossip hooks; see the file comment. */
export class CatalogGossip {
  /** The Serf message type byte the swim node routes to {@link CatalogGossip.onMessage}. */
  readonly messageType = CATALOG_MESSAGE_TYPE;
  readonly counters: CatalogGossipCounters = {
    received: 0,
    applied: 0,
    broadcasts: 0,
    decodeErrors: 0,
    fullStatesMerged: 0,
  };
  private readonly maxBytes: number;
  private readonly assembler = new FragmentAssembler();
  /**
   * How many parts the last queued version of each split record had, by base name; only
   * records of more than one part, so a cluster of small records keeps this empty.
   */
  private readonly queuedParts = new Map<string, number>();
  private unsubscribe: (() => void) | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: CatalogStore,
    private readonly options: CatalogGossipOptions,
  ) {
    this.maxBytes = options.maxMessageBytes ?? 1000;
  }

  /**
   * Starts gossiping this agent's own changes, queues every local entry once (after a
   * restart the cluster must hear the new generation's versions), and prunes expired
   * tombstones periodically.
   */
  start(): void {
    if (this.unsubscribe !== undefined) return;
    // Stamped with wall-clock time: the receivers are other processes, so the monotonic clock
    // would mean nothing to them; the stamp is only used to measure propagation delay.
    const wall = this.options.wallClock ?? Date.now;
    this.unsubscribe = this.store.onLocalUpdate((update) => this.publish(update, wall()));
    for (const update of this.store.localUpdates()) this.publish(update, wall());
    this.pruneTimer = setInterval(() => this.store.prune(), this.options.pruneIntervalMs ?? 60_000);
    this.pruneTimer.unref();
  }

  /** Stops gossiping local changes and pruning. */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearInterval(this.pruneTimer);
    this.pruneTimer = undefined;
  }

  /** A catalog gossip message arrived (without the Serf type byte). Never throws. */
  onMessage(payload: Uint8Array, _nowMs?: number): void {
    this.counters.received++;
    try {
      let message: Uint8Array | undefined = payload;
      if (payload[0] === WireKind.fragment) message = this.assembler.add(payload);
      if (message === undefined) return;
      const { update, originMs } = decodeStampedUpdate(message);
      if (this.store.applyRemote(update)) {
        this.counters.applied++;
        this.options.onApplied?.(update, originMs);
        this.publish(update, originMs);
      }
    } catch (error) {
      this.decodeFailed(error);
    }
  }

  /** The full catalog for a push/pull. */
  localState(): Uint8Array {
    return encodeFullState(this.store.fullState());
  }

  /** A peer's full catalog from a push/pull. Never throws. */
  mergeRemoteState(state: Uint8Array, _join?: boolean, _nowMs?: number): void {
    if (state.length === 0) return;
    try {
      this.store.mergeFullState(decodeFullState(state));
      this.counters.fullStatesMerged++;
      this.options.onFullStateMerged?.();
    } catch (error) {
      this.decodeFailed(error);
    }
  }

  /** Encodes an update (fragmenting it if needed) and queues it. */
  private publish(update: ServiceUpdate, originMs: number | undefined): void {
    const { node, entry } = update;
    const name = `catalog/${node}/${entry.id}`;
    const key = fragmentKey(node, entry.id, entry.version.generation, entry.version.counter);
    const parts = splitMessage(encodeUpdate(update, originMs), key, this.maxBytes);
    parts.forEach((part, i) => {
      this.counters.broadcasts++;
      this.options.broadcast(i === 0 ? name : `${name}#${i}`, part);
    });
    // Parts 0..n-1 replaced the older version's; any beyond n are stale: drop them.
    const before = this.queuedParts.get(name) ?? 1;
    for (let i = parts.length; i < before; i++) this.options.invalidate?.(`${name}#${i}`);
    if (parts.length > 1) this.queuedParts.set(name, parts.length);
    else this.queuedParts.delete(name);
  }

  private decodeFailed(error: unknown): void {
    // Anything a peer's bytes can trigger is reported as a decode failure: a remote message
    // must never take the agent down.
    this.counters.decodeErrors++;
    const decodeError =
      error instanceof DecodeError ? error : new DecodeError("catalog: message rejected", { cause: error });
    this.options.onDecodeError?.(decodeError);
  }
}
