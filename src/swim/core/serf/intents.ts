/**
 * Serf's buffer of recent intents about members it has not heard of yet (`serf.go`
 * upsertIntent / recentIntent / reapIntents). Intents gossip independently of memberlist's
 * alive messages, so a join or leave intent can arrive before the node itself; it is kept
 * (one per node, the newest Lamport time wins) and applied when memberlist reports the node.
 */

/** A join or leave intent. */
export type IntentType = "join" | "leave";

interface RecentIntent {
  readonly type: IntentType;
  readonly lTime: number;
  /** When it was recorded, for expiry (Serf stores wall time; this is the shell's clock). */
  readonly atMs: number;
}

/** One newest intent per unknown node. */
export class RecentIntents {
  private readonly byNode = new Map<string, RecentIntent>();

  /** Record an intent; true if it is new or newer than the one held (then it is re-broadcast). */
  upsert(node: string, type: IntentType, lTime: number, nowMs: number): boolean {
    const held = this.byNode.get(node);
    if (held !== undefined && lTime <= held.lTime) return false;
    this.byNode.set(node, { type, lTime, atMs: nowMs });
    return true;
  }

  /** The Lamport time of the held intent of this type about `node`, if any. */
  recent(node: string, type: IntentType): number | undefined {
    const held = this.byNode.get(node);
    return held !== undefined && held.type === type ? held.lTime : undefined;
  }

  /** Drop intents older than `timeoutMs`. */
  reap(nowMs: number, timeoutMs: number): void {
    for (const [node, intent] of this.byNode) {
      if (nowMs - intent.atMs > timeoutMs) this.byNode.delete(node);
    }
  }

  /** Number held (tests, metrics). */
  size(): number {
    return this.byNode.size;
  }
}
