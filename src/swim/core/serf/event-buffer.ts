/**
 * Serf's user-event de-duplication (`serf.go` handleUserEvent, EventBuffer): a ring of 512
 * Lamport-time slots; a slot holds every (name, payload) seen at exactly that time, so the
 * same event arriving again (gossip, push/pull replay) is dropped, while two different events
 * stamped with the same time by two nodes are both delivered. Events older than the ring, or
 * before the minimum time (a join without replay, a restart), are refused.
 */
import type { SerfUserEventCollection } from "../../codec/types.js";
import { LamportClock } from "./lamport-clock.js";

/** Slots in the ring (Serf's `eventBufferSize`; also the query buffer's). */
export const BUFFER_SLOTS = 512;

/** True when `lTime` fell out of a ring whose clock reads `now` (Serf's "old event" warning). */
export function tooOld(lTime: number, now: number): boolean {
  return now > BUFFER_SLOTS && lTime < now - BUFFER_SLOTS;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

interface Slot {
  readonly lTime: number;
  readonly events: { readonly name: string; readonly payload: Uint8Array }[];
}

/** The event clock plus the ring of recently seen user events. */
export class EventBuffer {
  /** The event Lamport clock. */
  readonly clock: LamportClock;
  private readonly slots: (Slot | null)[] = new Array<Slot | null>(BUFFER_SLOTS).fill(null);
  private minTime = 0;

  /**
   * @param restored The event clock a previous run saved: everything stamped before it was
   *   delivered then and is not delivered again (Serf's eventMinTime after a snapshot).
   */
  constructor(restored?: number) {
    this.clock = new LamportClock(restored);
    if (restored !== undefined) this.minTime = restored;
  }

  /** Events below this Lamport time are ignored. */
  minimumTime(): number {
    return this.minTime;
  }

  /** Ignore everything before `lTime` (a join without replay: the peer's history is not ours). */
  raiseMinimumTime(lTime: number): void {
    if (lTime > this.minTime) this.minTime = lTime;
  }

  /**
   * Serf's handleUserEvent: witness the time, then record the event. True when it is news,
   * i.e. to be delivered and re-broadcast; false when too old or already seen.
   */
  accept(lTime: number, name: string, payload: Uint8Array): boolean {
    this.clock.witness(lTime);
    if (lTime < this.minTime) return false;
    if (tooOld(lTime, this.clock.time())) return false;
    const index = lTime % BUFFER_SLOTS;
    let slot = this.slots[index] ?? null;
    if (slot !== null && slot.lTime === lTime) {
      for (const seen of slot.events) {
        if (seen.name === name && sameBytes(seen.payload, payload)) return false;
      }
    } else {
      slot = { lTime, events: [] };
      this.slots[index] = slot;
    }
    slot.events.push({ name, payload });
    return true;
  }

  /** The whole ring as Serf sends it in push/pull: 512 entries, empty slots as null. */
  snapshot(): (SerfUserEventCollection | null)[] {
    return this.slots.map((s) => (s === null ? null : { lTime: s.lTime, events: s.events.slice() }));
  }
}
