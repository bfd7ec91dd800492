/**
 * The stream half of the runtime: carries out `dial` and `reply` directives and turns
 * inbound connections into `onStream` inputs (PROTOCOL.md section 3.4: one message each way,
 * then close).
 *
 * - dial: connect, write the sealed message, read exactly one reply within the directive's
 *   timeout (which covers the whole exchange), report `onStreamReply` or `onStreamFailed`
 *   exactly once, always asynchronously.
 * - inbound: read one message under a deadline, a byte limit and a cap on concurrent streams,
 *   hand it to `onStream`; a `reply` for it is written and the stream closed. A stream the core
 *   did not answer synchronously is closed at once, as memberlist's `handleConn` returns.
 * - failures are counted per reason; streams we could not read are answered with memberlist's
 *   `err` message so the peer's log names the problem.
 * - a stream over the concurrency cap is refused unread: counted, reported to the host, and
 *   answered with an `err` message. memberlist only logs "Too many pending push/pull requests"
 *   and closes, leaving its peer with a bare EOF; its dialer already reads an `err` in place of
 *   the push/pull answer ("remote error: ..."), so the reply tells the peer why.
 */
import type { Address, Directive, SwimNode } from "../core/api.js";
import { encodeStreamMessage } from "../codec/stream.js";
import { formatAddress } from "./address.js";
import { DropReason } from "./runtime-stats.js";
import type { DropReasonValue, RuntimeStats } from "./runtime-stats.js";
import { StreamExchange } from "./stream-exchange.js";
import type { ExchangeFailure, ExchangeOptions } from "./stream-exchange.js";
import { ConnectionRefusedError, type StreamConnection, type StreamTransport } from "./transport.js";

/** What the stream half needs from its runtime. */
export interface StreamHost {
  readonly stats: RuntimeStats;
  /** The transport to dial with. */
  readonly transport: StreamTransport;
  /** True while the runtime runs; outcomes arriving later are dropped. */
  running(): boolean;
  /** Monotonic time in ms. */
  now(): number;
  /** Seals a plaintext stream message, or undefined if it cannot be sealed (already reported). */
  seal(plain: Uint8Array): Uint8Array | undefined;
  /** How to read one message within `timeoutMs`. */
  readOptions(timeoutMs: number): ExchangeOptions;
  /** Feeds the node an input and executes the directives it returns (guarded). */
  input(context: string, fn: (node: SwimNode, nowMs: number) => readonly Directive[]): void;
  /** Runs a callback; an exception is counted and reported, never rethrown. */
  guard(context: string, fn: () => void): void;
  /** Told about every finished outbound push/pull (for duration histograms). */
  onPushPull?(record: PushPullRecord): void;
  /** Told about every inbound stream refused over the concurrency cap, and why (for a log). */
  onRefused?(remote: Address, reason: string): void;
}

/** One finished outbound push/pull exchange. */
export interface PushPullRecord {
  readonly ok: boolean;
  readonly durationMs: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
}

/** Limits of the inbound side. */
export interface StreamLimitsConfig {
  /** Deadline for an inbound message. */
  readonly timeoutMs: number;
  /** Most inbound streams being read at once. */
  readonly maxInbound: number;
  /** How long a finished stream may wait for the peer to close before it is destroyed. */
  readonly lingerMs: number;
}

/** Inbound stream ids start far from any core's own dial ids, as in the simulator. */
const INBOUND_STREAM_BASE = 0x40000000;
const EMPTY = new Uint8Array(0);

/** Dials, replies and inbound streams of one runtime. */
export class StreamDirectives {
  private readonly inbound = new Map<number, StreamExchange>();
  /** Refused streams whose `err` reply is out, each with its linger timer. */
  private readonly refused = new Map<StreamConnection, NodeJS.Timeout>();
  private nextInboundId = INBOUND_STREAM_BASE;

  constructor(
    private readonly host: StreamHost,
    private readonly limits: StreamLimitsConfig,
  ) {}

  /** Takes one accepted connection: reads its message and hands it to the node. */
  accept(conn: StreamConnection): void {
    if (!this.host.running()) {
      conn.destroy();
      return;
    }
    if (this.inbound.size >= this.limits.maxInbound) {
      this.refuse(conn);
      return;
    }
    this.host.stats.streams.accepted++;
    const id = this.nextInboundId++;
    const ex = new StreamExchange(
      conn,
      this.host.readOptions(this.limits.timeoutMs),
      (bytes) => {
        this.host.input("stream", (node, nowMs) => node.onStream(id, conn.remote, bytes, nowMs));
        if (this.inbound.delete(id)) ex.finish(this.limits.lingerMs);
      },
      (failure) => this.host.guard("stream", () => this.inboundFailed(id, ex, failure)),
    );
    this.inbound.set(id, ex);
    ex.start();
  }

  /** Carries out a `reply` directive. */
  reply(streamId: number, plain: Uint8Array): void {
    const ex = this.inbound.get(streamId);
    if (ex === undefined) {
      this.host.stats.streams.lateReplies++;
      return;
    }
    this.inbound.delete(streamId);
    const sealed = this.host.seal(plain);
    if (sealed === undefined) ex.abort();
    else this.writeAndFinish(ex, sealed);
  }

  /** Carries out a `dial` directive. */
  dial(d: Extract<Directive, { kind: "dial" }>): void {
    const host = this.host;
    host.stats.streams.dialed++;
    const startedAt = host.now();
    const pushPull = d.pushPull === true;
    let sentBytes = 0;
    let settled = false;
    const settle = (reply: Uint8Array | undefined, reason: string, refused = false): void => {
      if (settled) return;
      settled = true;
      if (reply === undefined) host.stats.streams.dialFailures++;
      if (pushPull) this.recordPushPull(reply, host.now() - startedAt, sentBytes);
      if (!host.running()) return;
      host.input("dial", (node, nowMs) =>
        reply === undefined
          ? node.onStreamFailed(d.streamId, { reason, refused }, nowMs)
          : node.onStreamReply(d.streamId, reply, nowMs),
      );
    };
    const sealed = host.seal(d.bytes);
    if (sealed === undefined) {
      // Asynchronously, always: the core expects a dial's outcome as a later input.
      queueMicrotask(() => settle(undefined, "cannot seal stream"));
      return;
    }
    const connected = (conn: StreamConnection): void => {
      if (settled || !host.running()) {
        conn.destroy();
        return;
      }
      const remainingMs = Math.max(1, d.timeoutMs - (host.now() - startedAt));
      const ex = new StreamExchange(
        conn,
        host.readOptions(remainingMs),
        (bytes) => {
          ex.abort();
          settle(bytes, "");
        },
        (failure) => {
          ex.abort();
          // A peer that is gone or slow is a failed dial, not a drop; a reply we cannot read is.
          if (!settled && failure.reason !== DropReason.timeout && failure.reason !== DropReason.incomplete) {
            this.drop(failure.reason);
          }
          settle(undefined, failure.message);
        },
      );
      ex.start();
      host.stats.streams.bytesSent += sealed.length;
      sentBytes = sealed.length;
      ex.write(sealed).then(
        () => {
          if (d.expectReply) return;
          ex.finish(this.limits.lingerMs);
          settle(EMPTY, "");
        },
        (err: unknown) => {
          ex.abort();
          settle(undefined, `write to ${formatAddress(d.to)} failed: ${errorText(err)}`);
        },
      );
    };
    host.transport.dial(d.to, d.timeoutMs).then(
      (conn) => host.guard("dial", () => connected(conn)),
      (err: unknown) => settle(undefined, errorText(err), err instanceof ConnectionRefusedError),
    );
  }

  /** Destroys every inbound stream still being read or answered. */
  abortAll(): void {
    for (const ex of this.inbound.values()) ex.abort();
    this.inbound.clear();
    for (const [conn, timer] of this.refused) {
      clearTimeout(timer);
      conn.destroy();
    }
    this.refused.clear();
  }

  /**
   * Refuses a stream over the concurrency cap without reading it: counts it, tells the host,
   * writes an `err` reply and half-closes. The refusal itself must stay cheap and bounded, since
   * it is what a connection flood meets: the request is never parsed, and once as many refusals
   * are waiting for their peers as streams are being read, the rest are closed with no reply.
   */
  private refuse(conn: StreamConnection): void {
    this.drop(DropReason.overloaded);
    const reason = `Too many pending push/pull requests: ${this.limits.maxInbound} inbound streams are being read`;
    this.host.onRefused?.(conn.remote, reason);
    const sealed =
      this.refused.size < this.limits.maxInbound
        ? this.host.seal(encodeStreamMessage({ kind: "err", error: reason }, { compress: false }))
        : undefined;
    if (sealed === undefined) {
      conn.destroy();
      return;
    }
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      clearTimeout(this.refused.get(conn));
      this.refused.delete(conn);
      conn.destroy();
    };
    // A peer that never closes its side must not pin the socket: the same linger as a reply.
    this.refused.set(conn, setTimeout(release, this.limits.lingerMs));
    // The peer's request is read and discarded rather than left unread: closing a socket with
    // unread input sends a reset, which can destroy our reply before the peer has read it. (Left
    // without handlers, the connection would buffer that input without bound.)
    conn.setHandlers({ data: () => undefined, closed: release });
    if (released) return;
    this.host.stats.streams.bytesSent += sealed.length;
    conn.write(sealed).catch(release);
    conn.end();
  }

  private inboundFailed(id: number, ex: StreamExchange, failure: ExchangeFailure): void {
    this.inbound.delete(id);
    this.drop(failure.reason);
    if (!answersWithError(failure.reason) || !this.host.running()) {
      ex.abort();
      return;
    }
    const bytes = this.host.seal(
      encodeStreamMessage({ kind: "err", error: failure.message }, { compress: false }),
    );
    if (bytes !== undefined) this.writeAndFinish(ex, bytes);
    else ex.abort();
  }

  private writeAndFinish(ex: StreamExchange, sealed: Uint8Array): void {
    this.host.stats.streams.bytesSent += sealed.length;
    // A failed write means the peer went away; there is no one left to tell.
    ex.write(sealed).catch(() => ex.abort());
    ex.finish(this.limits.lingerMs);
  }

  private drop(reason: DropReasonValue): void {
    this.host.stats.dropped.stream[reason]++;
  }

  private recordPushPull(reply: Uint8Array | undefined, durationMs: number, bytesSent: number): void {
    const c = this.host.stats.pushPull;
    const ok = reply !== undefined;
    if (ok) {
      c.completed++;
      c.bytesReceived += reply.length;
      c.durationMsSum += durationMs;
    } else c.failed++;
    c.bytesSent += bytesSent;
    this.host.onPushPull?.({ ok, durationMs, bytesSent, bytesReceived: reply?.length ?? 0 });
  }
}

/**
 * memberlist answers a stream it could not read with an err message; not for a label
 * mismatch (memberlist just closes), nor when the peer is already gone or we refused it.
 */
function answersWithError(reason: DropReasonValue): boolean {
  return (
    reason === DropReason.undecryptable ||
    reason === DropReason.malformed ||
    reason === DropReason.oversize ||
    reason === DropReason.timeout
  );
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
