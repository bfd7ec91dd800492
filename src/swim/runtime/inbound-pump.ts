/**
 * Handles the queued inbound gossip of every runtime in this process (memberlist's handoff
 * queues, see `core/inbound-queue.ts`), after the event loop's poll phase and within a time
 * budget per loop turn.
 *
 * Why one pump per process and a budget: acks are handled as their packets are read, in the
 * poll phase, so what delays an ack is everything else the loop does between two polls. Gossip
 * handling is the one part of that which may wait: bounding it per turn keeps turns short, and
 * what does not fit stays queued until the core's queue bound drops it (gossip is redundant).
 * A budget per runtime would not bound the turn where many agents share a process (the
 * benchmark runs 500 in one), and visiting runtimes round-robin keeps any of them from
 * starving the others.
 */
import { performance } from "node:perf_hooks";

/** A runtime with queued gossip. */
export interface InboundWork {
  /** Handles up to `max` queued messages; true if more remain. */
  handleInbound(max: number): boolean;
}

/**
 * Longest time per loop turn spent handling queued gossip, across all runtimes. Small on
 * purpose: of a saturated process's work, handling gossip is what can wait (or be dropped).
 */
export const INBOUND_TURN_BUDGET_MS = 20;
/** Messages one runtime handles per visit before the next runtime's turn. */
export const INBOUND_BATCH = 32;

const ready = new Set<InboundWork>();
let scheduled: NodeJS.Immediate | undefined;

/** Asks for `work.handleInbound` to be called after this loop turn's socket reads. */
export function requestInbound(work: InboundWork): void {
  ready.add(work);
  if (scheduled === undefined) scheduled = setImmediate(pump);
}

/** Forgets `work` (its runtime closed). */
export function cancelInbound(work: InboundWork): void {
  ready.delete(work);
}

function pump(): void {
  scheduled = undefined;
  const started = performance.now();
  // A Set iterates in insertion order and visits entries added during the loop: a runtime with
  // more to do goes to the back and gets another batch if the budget allows.
  for (const work of ready) {
    ready.delete(work);
    if (work.handleInbound(INBOUND_BATCH)) ready.add(work);
    if (performance.now() - started >= INBOUND_TURN_BUDGET_MS) break;
  }
  if (ready.size > 0) scheduled = setImmediate(pump);
}
