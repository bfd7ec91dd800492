/**
 * Splitting of catalog updates that do not fit one gossip packet, and their reassembly.
 *
 * A fragment is `[2][index u16][count u16][keyLength u16][key utf8][chunk]`, where the key
 * names the update (`node \0 id \0 generation \0 counter`), so fragments of different
 * versions never mix. The assembler holds a bounded number of partial updates and evicts the
 * oldest first: a lost fragment only delays that update until the next push/pull.
 */
import { DecodeError } from "../../errors.js";
import { WireKind } from "./wire.js";

const HEADER_BYTES = 7;
const MAX_FRAGMENTS = 4096;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** A stable name of one update's version, used as the fragment key. */
export function fragmentKey(node: string, id: string, generation: number, counter: number): string {
  return `${node}\u0000${id}\u0000${generation}\u0000${counter}`;
}

/**
 * Splits `message` (a whole encoded update) into fragments of at most `maxBytes` each, or
 * returns it alone when it already fits.
 */
export function splitMessage(message: Uint8Array, key: string, maxBytes: number): Uint8Array[] {
  if (message.length <= maxBytes) return [message];
  const keyBytes = encoder.encode(key);
  const room = maxBytes - HEADER_BYTES - keyBytes.length;
  if (room < 16) throw new RangeError(`catalog: maxBytes ${maxBytes} leaves no room for fragment data`);
  const count = Math.ceil(message.length / room);
  if (count > MAX_FRAGMENTS)
    throw new RangeError(`catalog: an update of ${message.length} bytes needs too many fragments`);
  const out: Uint8Array[] = [];
  for (let index = 0; index < count; index++) {
    const chunk = message.subarray(index * room, (index + 1) * room);
    const fragment = new Uint8Array(HEADER_BYTES + keyBytes.length + chunk.length);
    const view = new DataView(fragment.buffer);
    fragment[0] = WireKind.fragment;
    view.setUint16(1, index);
    view.setUint16(3, count);
    view.setUint16(5, keyBytes.length);
    fragment.set(keyBytes, HEADER_BYTES);
    fragment.set(chunk, HEADER_BYTES + keyBytes.length);
    out.push(fragment);
  }
  return out;
}

interface Partial {
  readonly count: number;
  readonly parts: (Uint8Array | undefined)[];
  received: number;
}

/** Reassembles fragments into whole messages. */
export class FragmentAssembler {
  private readonly pending = new Map<string, Partial>();

  /** @param maxPending How many partial updates to hold before evicting the oldest. */
  constructor(private readonly maxPending = 256) {}

  /** Number of partial updates held. */
  get size(): number {
    return this.pending.size;
  }

  /** Adds one fragment; returns the whole message once its last fragment arrived. */
  add(fragment: Uint8Array): Uint8Array | undefined {
    if (fragment.length < HEADER_BYTES || fragment[0] !== WireKind.fragment) {
      throw new DecodeError("catalog: truncated fragment header");
    }
    const view = new DataView(fragment.buffer, fragment.byteOffset, fragment.byteLength);
    const index = view.getUint16(1);
    const count = view.getUint16(3);
    const keyLength = view.getUint16(5);
    if (count === 0 || count > MAX_FRAGMENTS || index >= count) {
      throw new DecodeError(`catalog: fragment ${index} of ${count} is out of range`);
    }
    if (HEADER_BYTES + keyLength > fragment.length) throw new DecodeError("catalog: truncated fragment key");
    let key: string;
    try {
      key = decoder.decode(fragment.subarray(HEADER_BYTES, HEADER_BYTES + keyLength));
    } catch (error) {
      throw new DecodeError("catalog: fragment key is not UTF-8", { cause: error });
    }
    let partial = this.pending.get(key);
    if (partial === undefined) {
      partial = { count, parts: new Array<Uint8Array | undefined>(count).fill(undefined), received: 0 };
      this.pending.set(key, partial);
      this.evict();
    } else if (partial.count !== count) {
      throw new DecodeError(`catalog: fragment count ${count} disagrees with ${partial.count}`);
    }
    if (partial.parts[index] === undefined) {
      partial.parts[index] = fragment.slice(HEADER_BYTES + keyLength);
      partial.received++;
    }
    if (partial.received < partial.count) return undefined;
    this.pending.delete(key);
    const total = partial.parts.reduce((sum, p) => sum + (p?.length ?? 0), 0);
    const whole = new Uint8Array(total);
    let offset = 0;
    for (const part of partial.parts) {
      if (part === undefined) continue;
      whole.set(part, offset);
      offset += part.length;
    }
    return whole;
  }

  private evict(): void {
    while (this.pending.size > this.maxPending) {
      const oldest = this.pending.keys().next();
      if (oldest.done === true) return;
      this.pending.delete(oldest.value);
    }
  }
}
