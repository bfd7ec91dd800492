/**
 * Network faults as a decorator over any transport (../shared/DESIGN.md section 4), so the
 * same loss, delay and partition scenarios the simulator models can be replayed over real
 * UDP/TCP on loopback.
 *
 * - Loss: each outgoing datagram is dropped with probability {@link FaultController.lossRate}.
 *   Streams are never "lossy": TCP retransmits, so loss only shows up as delay there.
 * - Delay: outgoing datagrams and stream connects wait `delayMs + U(0, jitterMs)`; jitter can
 *   reorder datagrams, as a real network may.
 * - Partition: datagrams to or from a partitioned address are dropped; dials to one hang until
 *   their timeout (a black hole, not a refusal, which is what a real partition looks like).
 *   Inbound streams carry the peer's ephemeral port, not its listening address, so they can
 *   only be matched by host: partition a whole host with a host string, or decorate both
 *   sides (as the tests do) so that each side's dials are cut.
 *
 * Every random draw comes from one seeded generator, so a failing run's decisions replay
 * given the same seed and the same order of sends.
 */
import type { Address, Rng } from "../core/api.js";
import { createRng } from "../core/rng.js";
import { addressKey, formatAddress } from "./address.js";
import type {
  BoundTransports,
  PacketHandler,
  PacketTransport,
  StreamConnection,
  StreamTransport,
  TransportBinder,
} from "./transport.js";

/** Initial fault settings; all can be changed later on the {@link FaultController}. */
export interface FaultOptions {
  /** Seed of the generator behind every loss and jitter draw. */
  readonly seed: number;
  /** Probability (0..1) that an outgoing datagram is dropped. Default 0. */
  readonly lossRate?: number;
  /** Fixed delay of outgoing datagrams and stream connects. Default 0. */
  readonly delayMs?: number;
  /** Extra uniform random delay in [0, jitterMs). Default 0. */
  readonly jitterMs?: number;
}

/** What the decorators dropped or delayed, for assertions. */
export interface FaultStats {
  droppedByLoss: number;
  droppedByPartition: number;
  delayed: number;
  dialsBlackholed: number;
  streamsRejected: number;
}

/** Mutable fault settings shared by the packet and stream decorators of one node. */
export class FaultController {
  /** Probability (0..1) that an outgoing datagram is dropped. */
  lossRate: number;
  /** Fixed delay added to datagrams and connects. */
  delayMs: number;
  /** Upper bound of the uniform random extra delay. */
  jitterMs: number;
  /** Counters. */
  readonly stats: FaultStats = {
    droppedByLoss: 0,
    droppedByPartition: 0,
    delayed: 0,
    dialsBlackholed: 0,
    streamsRejected: 0,
  };
  private readonly rng: Rng;
  private readonly cutAddresses = new Set<string>();
  private readonly cutHosts = new Set<string>();

  constructor(options: FaultOptions) {
    this.rng = createRng(options.seed);
    this.lossRate = options.lossRate ?? 0;
    this.delayMs = options.delayMs ?? 0;
    this.jitterMs = options.jitterMs ?? 0;
  }

  /** Cuts this node off from these peers: an {@link Address} exactly, or a host string wholly. */
  partition(peers: Iterable<Address | string>): void {
    for (const peer of peers) {
      if (typeof peer === "string") this.cutHosts.add(peer);
      else this.cutAddresses.add(addressKey(peer));
    }
  }

  /** Removes every partition. */
  heal(): void {
    this.cutAddresses.clear();
    this.cutHosts.clear();
  }

  /** True when traffic with `peer` is cut. */
  isPartitioned(peer: Address): boolean {
    return this.cutHosts.has(peer.host) || this.cutAddresses.has(addressKey(peer));
  }

  /** One loss decision. */
  drawLoss(): boolean {
    return this.lossRate > 0 && this.rng.next() < this.lossRate;
  }

  /** One delay draw in milliseconds (0 when no delay is configured). */
  drawDelayMs(): number {
    const jitter = this.jitterMs > 0 ? this.rng.next() * this.jitterMs : 0;
    return this.delayMs + jitter;
  }
}

/** A {@link PacketTransport} that loses, delays and partitions per its {@link FaultController}. */
export class FaultyPacketTransport implements PacketTransport {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly inner: PacketTransport,
    private readonly faults: FaultController,
  ) {}

  get local(): Address {
    return this.inner.local;
  }

  send(to: Address, bytes: Uint8Array): void {
    const f = this.faults;
    if (f.isPartitioned(to)) {
      f.stats.droppedByPartition++;
      return;
    }
    if (f.drawLoss()) {
      f.stats.droppedByLoss++;
      return;
    }
    const delay = f.drawDelayMs();
    if (delay <= 0) {
      this.inner.send(to, bytes);
      return;
    }
    f.stats.delayed++;
    // Copy: the caller may reuse its buffer before the delayed send happens.
    const copy = bytes.slice();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.inner.send(to, copy);
    }, delay);
    this.timers.add(timer);
  }

  onPacket(handler: PacketHandler): void {
    this.inner.onPacket((from, bytes) => {
      if (this.faults.isPartitioned(from)) {
        this.faults.stats.droppedByPartition++;
        return;
      }
      handler(from, bytes);
    });
  }

  onSendError(handler: (to: Address, error: Error) => void): void {
    this.inner.onSendError(handler);
  }

  close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    return this.inner.close();
  }
}

/** A {@link StreamTransport} whose connects are delayed or black-holed per its {@link FaultController}. */
export class FaultyStreamTransport implements StreamTransport {
  private readonly waits = new Map<NodeJS.Timeout, () => void>();

  constructor(
    private readonly inner: StreamTransport,
    private readonly faults: FaultController,
  ) {}

  get local(): Address {
    return this.inner.local;
  }

  onConnection(handler: (conn: StreamConnection) => void): void {
    this.inner.onConnection((conn) => {
      if (this.faults.isPartitioned(conn.remote)) {
        this.faults.stats.streamsRejected++;
        conn.destroy();
        return;
      }
      handler(conn);
    });
  }

  dial(to: Address, timeoutMs: number): Promise<StreamConnection> {
    const f = this.faults;
    if (f.isPartitioned(to)) {
      f.stats.dialsBlackholed++;
      return this.after(timeoutMs).then(() => {
        throw new Error(`connect to ${formatAddress(to)} timed out after ${timeoutMs} ms (partitioned)`);
      });
    }
    const delay = f.drawDelayMs();
    if (delay <= 0) return this.inner.dial(to, timeoutMs);
    f.stats.delayed++;
    if (delay >= timeoutMs) {
      return this.after(timeoutMs).then(() => {
        throw new Error(`connect to ${formatAddress(to)} timed out after ${timeoutMs} ms (delayed)`);
      });
    }
    return this.after(delay).then(() => this.inner.dial(to, timeoutMs - delay));
  }

  close(): Promise<void> {
    // Settle pending waits now, so no dial is left hanging; the closed inner transport then
    // refuses them.
    for (const [timer, resolve] of this.waits) {
      clearTimeout(timer);
      resolve();
    }
    this.waits.clear();
    return this.inner.close();
  }

  private after(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waits.delete(timer);
        resolve();
      }, ms);
      this.waits.set(timer, resolve);
    });
  }
}

/** Wraps both halves of a bound pair with one shared {@link FaultController}. */
export function withFaults(bound: BoundTransports, faults: FaultController): BoundTransports {
  return {
    packet: new FaultyPacketTransport(bound.packet, faults),
    stream: new FaultyStreamTransport(bound.stream, faults),
    local: bound.local,
  };
}

/** A {@link TransportBinder} whose transports pass through `faults`. */
export function faultyBinder(binder: TransportBinder, faults: FaultController): TransportBinder {
  return async (bind) => withFaults(await binder(bind), faults);
}
