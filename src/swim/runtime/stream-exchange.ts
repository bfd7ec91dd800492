/**
 * One memberlist stream exchange on one connection: read exactly one message (label,
 * optional encryption frame, then the plaintext message parsed incrementally, since there is
 * no length prefix and no EOF marker), optionally write one back, and close.
 *
 * Everything that can go wrong while reading (deadline, size limit, label, key, framing,
 * early close) ends in exactly one `onFailure` call with a {@link DropReason}; nothing throws
 * out of a socket callback.
 */
import { StreamFrameReader } from "../codec/security.js";
import type { OpenOptions } from "../codec/security.js";
import { StreamMessageReader } from "../codec/stream.js";
import type { StreamLimits } from "../codec/stream.js";
import { dropReasonOf } from "./framing.js";
import { DropReason } from "./runtime-stats.js";
import type { DropReasonValue } from "./runtime-stats.js";
import type { StreamConnection } from "./transport.js";

/** How one exchange reads. */
export interface ExchangeOptions {
  /** Label, keyring and verification settings for the incoming side. */
  readonly open: OpenOptions;
  /** Decoder limits (declared node counts and lengths). */
  readonly limits: StreamLimits;
  /** Most wire bytes accepted before the message completes. */
  readonly maxBytes: number;
  /** Deadline for the whole message to arrive. */
  readonly timeoutMs: number;
  /** Told the size of every chunk received, for traffic counters. */
  readonly onBytes?: (bytes: number) => void;
}

/** Why reading failed. */
export interface ExchangeFailure {
  readonly reason: DropReasonValue;
  readonly message: string;
}

/** Reads one stream message from a connection; see the module comment. */
export class StreamExchange {
  /** Wire bytes received so far. */
  bytesReceived = 0;
  private readonly frames: StreamFrameReader;
  private readonly messages: StreamMessageReader;
  private readonly plain: Uint8Array[] = [];
  private plainLength = 0;
  private state: "reading" | "read" | "failed" | "closed" = "reading";
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly conn: StreamConnection,
    private readonly opts: ExchangeOptions,
    private readonly onMessage: (bytes: Uint8Array) => void,
    private readonly onFailure: (failure: ExchangeFailure) => void,
  ) {
    this.frames = new StreamFrameReader(opts.open);
    this.messages = new StreamMessageReader(opts.limits);
  }

  /**
   * Arms the deadline and starts reading. Separate from the constructor because buffered
   * events are replayed at once, and the callbacks may refer to this object.
   */
  start(): void {
    this.timer = setTimeout(
      () => this.fail(DropReason.timeout, `no complete message within ${this.opts.timeoutMs} ms`),
      this.opts.timeoutMs,
    );
    this.conn.setHandlers({
      data: (chunk) => this.onData(chunk),
      closed: (error) => this.onClosed(error),
    });
  }

  /** Writes bytes (the request, or the reply); resolves when handed to the OS. */
  write(bytes: Uint8Array): Promise<void> {
    return this.conn.write(bytes);
  }

  /**
   * Half-closes after queued writes and destroys the connection if the peer has not closed
   * its side within `lingerMs` (a peer that never closes must not pin a socket forever).
   */
  finish(lingerMs: number): void {
    if (this.state === "closed") return;
    this.clearTimer();
    this.conn.end();
    this.timer = setTimeout(() => this.abort(), lingerMs);
  }

  /** Destroys the connection at once. */
  abort(): void {
    this.clearTimer();
    if (this.state === "reading") this.state = "failed";
    this.conn.destroy();
  }

  private onData(chunk: Uint8Array): void {
    if (this.state !== "reading") return;
    this.bytesReceived += chunk.length;
    this.opts.onBytes?.(chunk.length);
    if (this.bytesReceived > this.opts.maxBytes) {
      this.fail(DropReason.oversize, `stream exceeds ${this.opts.maxBytes} bytes`);
      return;
    }
    let done = false;
    try {
      const plain = this.frames.push(chunk);
      if (plain.length > 0) {
        this.plain.push(plain.slice());
        this.plainLength += plain.length;
        done = this.messages.push(plain) !== undefined;
      }
    } catch (err) {
      this.fail(dropReasonOf(err), err instanceof Error ? err.message : String(err));
      return;
    }
    if (!done) return;
    this.state = "read";
    this.clearTimer();
    this.onMessage(this.messageBytes());
  }

  private onClosed(error: Error | undefined): void {
    const wasReading = this.state === "reading";
    this.state = "closed";
    this.clearTimer();
    if (wasReading) {
      const why = error === undefined ? "peer closed" : error.message;
      this.onFailure({
        reason: DropReason.incomplete,
        message: `${why} after ${this.bytesReceived} bytes, before the message was complete`,
      });
    }
  }

  private fail(reason: DropReasonValue, message: string): void {
    if (this.state !== "reading") return;
    this.state = "failed";
    this.clearTimer();
    this.onFailure({ reason, message });
  }

  /** The plaintext bytes of the one message, without anything that followed it. */
  private messageBytes(): Uint8Array {
    const out = new Uint8Array(this.plainLength);
    let at = 0;
    for (const part of this.plain) {
      out.set(part, at);
      at += part.length;
    }
    return out.subarray(0, this.messages.consumed);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
