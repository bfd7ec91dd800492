/**
 * "Report this once per peer": hostile or misconfigured gossip arrives packet after packet,
 * and the operator needs to learn *who* sends it without a log line per packet. Shared by the
 * label-mismatch watch and the report of refused gossip (oversized tags or events, bad names).
 */

/** Peers remembered; beyond this the set is cleared, so a spoofing flood cannot grow memory. */
export const MAX_REMEMBERED_PEERS = 4_096;

/** Remembers which peers were reported. */
export class OncePerPeer {
  private readonly seen = new Set<string>();

  /**
   * True the first time `peer` is seen, false after. Once {@link MAX_REMEMBERED_PEERS} are
   * remembered the memory starts afresh: a flood from spoofed sources costs a bounded set and
   * an occasional repeated line, never unbounded growth.
   */
  first(peer: string): boolean {
    if (this.seen.has(peer)) return false;
    if (this.seen.size >= MAX_REMEMBERED_PEERS) this.seen.clear();
    this.seen.add(peer);
    return true;
  }
}
