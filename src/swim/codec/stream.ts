/**
 * memberlist TCP stream messages at the plaintext level (PROTOCOL.md section 3.4). A stream
 * carries one message each way and has no length prefix and no EOF marker, so the reader is
 * incremental: it returns the message as soon as its last byte has arrived.
 *
 * - push/pull `[6]`: header `{Join, Nodes, UserStateLen}`, then exactly `Nodes` node states,
 *   then exactly `UserStateLen` raw bytes;
 * - user `[8]`: `{UserMsgLen}` then that many bytes;
 * - ping `[0]`, ackResp `[2]`, err `[13]`: one msgpack value;
 * - compress `[9]{Algo, Buf}`: `Buf` LZW-decompresses to one of the above.
 *
 * Label and encryption framing are removed by the caller before bytes reach this reader.
 * Pure: no Node APIs.
 */
import { DecodeError } from "../../errors.js";
import { lzwCompress, lzwDecompress } from "./lzw.js";
import {
  LZW_ALGO,
  ackRespStruct,
  compressStruct,
  errRespStruct,
  pingStruct,
  pushNodeStateStruct,
  pushPullHeaderStruct,
  userMsgHeaderStruct,
  writeMessage,
  writePushPullBody,
} from "./memberlist-messages.js";
import { MsgpackReader, TruncatedError } from "./msgpack-reader.js";
import { MsgpackWriter } from "./msgpack-writer.js";
import type { PushNodeState, StreamMessage } from "./types.js";
import { MessageType } from "./types.js";

/** memberlist's hard limits on what a stream may make us buffer (`net.go`). */
export interface StreamLimits {
  /** Largest push/pull user state (default 20 MB). */
  readonly maxPushStateBytes?: number;
  /** Most node states in one push/pull (default 1,048,576). */
  readonly maxPushStateNodes?: number;
  /** Largest streamed user message (default 20 MB). */
  readonly maxUserMsgBytes?: number;
  /** Largest decompressed stream payload (default 40 MB). */
  readonly maxDecompressedBytes?: number;
  /**
   * Largest number of bytes buffered for one message before giving up (default 40 MB: the
   * node budget plus the user-state budget). Go has no such limit on plaintext node states;
   * without one a peer could make us buffer forever.
   */
  readonly maxStreamBytes?: number;
}

/** memberlist's defaults. */
export const DEFAULT_STREAM_LIMITS: Required<StreamLimits> = {
  maxPushStateBytes: 20 * 1024 * 1024,
  maxPushStateNodes: 1024 * 1024,
  maxUserMsgBytes: 20 * 1024 * 1024,
  maxDecompressedBytes: 40 * 1024 * 1024,
  maxStreamBytes: 40 * 1024 * 1024,
};

const writer = new MsgpackWriter(4096);

/** Writes the uncompressed `[type][…]` form of a stream message. */
function writePlainStreamMessage(w: MsgpackWriter, msg: StreamMessage): void {
  switch (msg.kind) {
    case "pushPull":
      w.byte(MessageType.pushPull);
      writePushPullBody(w, msg);
      return;
    case "user":
      // On streams a user message carries its length, since nothing else delimits it.
      w.byte(MessageType.user);
      userMsgHeaderStruct.encode(w, { userMsgLen: msg.payload.length });
      w.raw(msg.payload);
      return;
    default:
      writeMessage(w, msg);
  }
}

/**
 * Encodes one stream message. With `compress` the whole message is LZW-compressed and
 * wrapped as `[9]{Algo, Buf}` unconditionally, as memberlist does on streams.
 */
export function encodeStreamMessage(msg: StreamMessage, opts: { readonly compress: boolean }): Uint8Array {
  writer.reset();
  writePlainStreamMessage(writer, msg);
  if (!opts.compress) return writer.toBytes();
  const plain = writer.toBytes();
  writer.reset();
  writer.byte(MessageType.compress);
  compressStruct.encode(writer, { algo: LZW_ALGO, buf: lzwCompress(plain) });
  return writer.toBytes();
}

/** Where the incremental reader is inside the message. */
const Phase = {
  type: 0,
  single: 1,
  pushPullHeader: 2,
  pushPullNodes: 3,
  pushPullUser: 4,
  userHeader: 5,
  userBody: 6,
  compress: 7,
  done: 8,
  failed: 9,
} as const;
type PhaseValue = (typeof Phase)[keyof typeof Phase];

/**
 * Reads one stream message from chunks as they arrive. {@link push} returns the message once
 * complete and `undefined` while more bytes are needed; malformed input or a broken limit
 * throws {@link DecodeError} (after which the reader stays failed). Work is resumable: each
 * node state of a large push/pull is parsed once, not again on every chunk.
 */
export class StreamMessageReader {
  private buf = new Uint8Array(0);
  private len = 0;
  /** Offset of the first byte not yet consumed by a completed step. */
  private pos = 0;
  private phase: PhaseValue = Phase.type;
  private type = 0;
  private join = false;
  private nodeCount = 0;
  private bodyLen = 0;
  private readonly nodes: PushNodeState[] = [];
  private readonly limits: Required<StreamLimits>;

  /** @param limits overrides of {@link DEFAULT_STREAM_LIMITS}. */
  constructor(
    limits: StreamLimits = {},
    private readonly allowCompressed = true,
  ) {
    this.limits = { ...DEFAULT_STREAM_LIMITS, ...limits };
  }

  /** Bytes consumed by the completed message (anything after it is not ours). */
  get consumed(): number {
    return this.phase === Phase.done ? this.pos : 0;
  }

  /** True once a message has been returned. */
  get done(): boolean {
    return this.phase === Phase.done;
  }

  /** Feeds the next chunk; returns the message once its last byte has arrived. */
  push(chunk: Uint8Array): StreamMessage | undefined {
    if (this.phase === Phase.failed) throw new DecodeError("stream reader already failed");
    if (this.phase === Phase.done) throw new DecodeError("stream already delivered its one message");
    this.append(chunk);
    try {
      return this.advance();
    } catch (err) {
      if (err instanceof TruncatedError) return undefined;
      this.phase = Phase.failed;
      if (err instanceof DecodeError) throw err;
      throw new DecodeError(`stream decode failed: ${String(err)}`, { cause: err });
    }
  }

  private append(chunk: Uint8Array): void {
    const need = this.len + chunk.length;
    if (need > this.limits.maxStreamBytes) {
      this.phase = Phase.failed;
      throw new DecodeError(`stream message exceeds ${this.limits.maxStreamBytes} bytes`);
    }
    if (need > this.buf.length) {
      let cap = Math.max(4096, this.buf.length * 2);
      while (cap < need) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    this.buf.set(chunk, this.len);
    this.len = need;
  }

  /** Runs steps until the message completes; a TruncatedError means "wait for more". */
  private advance(): StreamMessage | undefined {
    for (;;) {
      const r = new MsgpackReader(this.buf, this.pos, this.len);
      switch (this.phase) {
        case Phase.type: {
          this.type = r.readByte();
          this.pos = r.pos;
          this.phase = this.phaseFor(this.type);
          break;
        }
        case Phase.single: {
          const msg = this.readSingle(r);
          return this.finish(r, msg);
        }
        case Phase.pushPullHeader: {
          const h = pushPullHeaderStruct.decode(r);
          if (h.nodes < 0 || h.nodes > this.limits.maxPushStateNodes) {
            throw new DecodeError(
              `push/pull node count ${h.nodes} exceeds limit ${this.limits.maxPushStateNodes}`,
            );
          }
          if (h.userStateLen < 0 || h.userStateLen > this.limits.maxPushStateBytes) {
            throw new DecodeError(
              `push/pull user state length ${h.userStateLen} exceeds limit ${this.limits.maxPushStateBytes}`,
            );
          }
          this.join = h.join;
          this.nodeCount = h.nodes;
          this.bodyLen = h.userStateLen;
          this.pos = r.pos;
          this.phase = Phase.pushPullNodes;
          break;
        }
        case Phase.pushPullNodes: {
          while (this.nodes.length < this.nodeCount) {
            this.nodes.push(pushNodeStateStruct.decode(r));
            this.pos = r.pos;
          }
          this.phase = Phase.pushPullUser;
          break;
        }
        case Phase.pushPullUser: {
          if (this.len - this.pos < this.bodyLen) {
            throw new TruncatedError(`push/pull user state: ${this.len - this.pos} of ${this.bodyLen} bytes`);
          }
          const userState = this.buf.slice(this.pos, this.pos + this.bodyLen);
          this.pos += this.bodyLen;
          this.phase = Phase.done;
          return { kind: "pushPull", join: this.join, nodes: this.nodes, userState };
        }
        case Phase.userHeader: {
          const h = userMsgHeaderStruct.decode(r);
          if (h.userMsgLen < 0 || h.userMsgLen > this.limits.maxUserMsgBytes) {
            throw new DecodeError(
              `user message length ${h.userMsgLen} exceeds limit ${this.limits.maxUserMsgBytes}`,
            );
          }
          this.bodyLen = h.userMsgLen;
          this.pos = r.pos;
          this.phase = Phase.userBody;
          break;
        }
        case Phase.userBody: {
          if (this.len - this.pos < this.bodyLen) {
            throw new TruncatedError(`user message: ${this.len - this.pos} of ${this.bodyLen} bytes`);
          }
          const payload = this.buf.slice(this.pos, this.pos + this.bodyLen);
          this.pos += this.bodyLen;
          this.phase = Phase.done;
          return { kind: "user", payload };
        }
        case Phase.compress: {
          const c = compressStruct.decode(r);
          this.pos = r.pos;
          this.phase = Phase.done;
          return this.decompress(c.algo, c.buf);
        }
        default:
          throw new DecodeError("stream reader in an impossible state");
      }
    }
  }

  private phaseFor(type: number): PhaseValue {
    switch (type) {
      case MessageType.ping:
      case MessageType.ackResp:
      case MessageType.err:
        return Phase.single;
      case MessageType.pushPull:
        return Phase.pushPullHeader;
      case MessageType.user:
        return Phase.userHeader;
      case MessageType.compress:
        if (!this.allowCompressed) throw new DecodeError("compressed stream message inside a compressed one");
        return Phase.compress;
      case MessageType.encrypt:
        throw new DecodeError("encrypted stream message reached the plaintext reader");
      default:
        throw new DecodeError(`message type ${type} is not valid on a stream`);
    }
  }

  private readSingle(r: MsgpackReader): StreamMessage {
    switch (this.type) {
      case MessageType.ping:
        return pingStruct.decode(r);
      case MessageType.ackResp:
        return ackRespStruct.decode(r);
      default:
        return errRespStruct.decode(r);
    }
  }

  private finish(r: MsgpackReader, msg: StreamMessage): StreamMessage {
    this.pos = r.pos;
    this.phase = Phase.done;
    return msg;
  }

  private decompress(algo: number, buf: Uint8Array): StreamMessage {
    if (algo !== LZW_ALGO) throw new DecodeError(`unknown compression algorithm ${algo}`);
    const plain = lzwDecompress(buf, this.limits.maxDecompressedBytes);
    if (plain.length === 0) throw new DecodeError("decompressed stream message is empty");
    const inner = new StreamMessageReader(this.limits, false);
    const msg = inner.push(plain);
    if (msg === undefined) throw new DecodeError("compressed stream message is incomplete");
    return msg;
  }
}

/** Decodes a complete stream message held in one buffer; incomplete input is a {@link DecodeError}. */
export function decodeStreamMessage(bytes: Uint8Array, limits: StreamLimits = {}): StreamMessage {
  const msg = new StreamMessageReader(limits).push(bytes);
  if (msg === undefined) throw new DecodeError(`stream message incomplete after ${bytes.length} bytes`);
  return msg;
}
