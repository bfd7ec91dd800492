/**
 * Serf's de-duplication buffers (`serf.go` handleUserEvent / handleQuery): a ring of 512
 * Lamport-time slots; a slot holds what was seen at that exact time, and anything older than
 * the ring is refused as too old.
 */
import type { SerfUserEventCollection } from "../../codec/types.js";

/** Slots in each ring (Serf's EventBufferSize / QueryBufferSize). */
export const BUFFER_SLOTS = 512;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True when `lTime` fell out of a ring whose clock reads `now`. */
export function tooOld(lTime: number, now: number): boolean {
  return now > BUFFER_SLOTS && lTime < now - BUFFER_SLOTS;
}

/** User events seen, by Lamport time; also what Serf ships in push/pull. */
export class UserEventBuffer {
  private readonly slots: ({ lTime: number; events: { name: string; payload: Uint8Array }[] } | null)[] =
    new Array<null>(BUFFER_SLOTS).fill(null);

  /** Records the event; false if exactly this event was already seen at this time. */
  add(lTime: number, name: string, payload: Uint8Array): boolean {
    const index = lTime % BUFFER_SLOTS;
    let slot = this.slots[index] ?? null;
    if (slot !== null && slot.lTime === lTime) {
      if (slot.events.some((e) => e.name === name && sameBytes(e.payload, payload))) return false;
    } else {
      slot = { lTime, events: [] };
      this.slots[index] = slot;
    }
    slot.events.push({ name, payload });
    return true;
  }

  /** The whole ring as Serf sends it in push/pull (empty slots as null). */
  snapshot(): (SerfUserEventCollection | null)[] {
    return this.slots.map((s) => (s === null ? null : { lTime: s.lTime, events: [...s.events] }));
  }
}

/** Query ids seen, by Lamport time. */
export class QueryIdBuffer {
  private readonly slots: ({ lTime: number; ids: number[] } | null)[] = new Array<null>(BUFFER_SLOTS).fill(
    null,
  );

  /** Records the query; false if `(lTime, id)` was already seen. */
  add(lTime: number, id: number): boolean {
    const index = lTime % BUFFER_SLOTS;
    let slot = this.slots[index] ?? null;
    if (slot !== null && slot.lTime === lTime) {
      if (slot.ids.includes(id)) return false;
    } else {
      slot = { lTime, ids: [] };
      this.slots[index] = slot;
    }
    slot.ids.push(id);
    return true;
  }
}
