/**
 * Serf's reconnect and reap loops (`serf.go` handleReconnect / reconnect / handleReap).
 *
 * memberlist forgets a dead node after GossipToTheDeadTime and push/pull only picks alive
 * peers, so two halves of a healed partition would never talk again. Serf remembers failed
 * members (for the reconnect timeout, 24 h) and every reconnect interval (30 s) tries a
 * memberlist join to one of them, with probability failed/alive so that the cluster as a
 * whole tries each failed member about once per interval instead of every node hammering it.
 * The reaper (every 15 s) forgets failed members after the reconnect timeout and left ones
 * after the tombstone timeout (24 h).
 */
import type { Rng } from "../api.js";
import type { MemberTable, SerfMember } from "./member-state.js";

/**
 * The failed member to retry this round, or undefined (none failed, or the random throttle
 * said "not this time").
 */
export function pickReconnectTarget(table: MemberTable, rng: Rng): SerfMember | undefined {
  const failed = table.failed();
  if (failed.length === 0) return undefined;
  const alive = Math.max(1, table.size() - failed.length - table.left().length);
  if (rng.next() > failed.length / alive) return undefined;
  return failed[rng.int(failed.length)];
}
