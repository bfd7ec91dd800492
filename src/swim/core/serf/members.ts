/**
 * Serf's member table and its intent rules (`serf.go` handleNodeJoin / handleNodeLeave /
 * handleNodeJoinIntent / handleNodeLeaveIntent / reap): statuses alive, leaving, left and
 * failed, each change ordered by the member Lamport clock. memberlist says who is reachable;
 * intents say who *meant* to leave, which is what tells `left` from `failed`.
 */
import type { Address, MemberStatus } from "../api.js";
import type { LamportClock } from "./lamport-clock.js";

/** One member as the Serf layer keeps it. */
export interface SerfMember {
  readonly name: string;
  address: Address;
  tags: Record<string, string>;
  status: MemberStatus;
  /** Lamport time of the last intent applied. */
  statusLTime: number;
  /** When it became failed or left (for reaping), else undefined. */
  leftAtMs: number | undefined;
  vsn: readonly number[];
}

interface RecentIntent {
  readonly type: "join" | "leave";
  readonly lTime: number;
  readonly atMs: number;
}

/** A change the table made that the node reports as an event. */
export type MemberChange =
  | { readonly kind: "joined" | "updated" | "failed" | "left" | "reaped"; readonly member: SerfMember }
  | { readonly kind: "refute" };

/** The member table plus the rules that change it. */
export class SerfMembers {
  private readonly byName = new Map<string, SerfMember>();
  private readonly intents = new Map<string, RecentIntent>();

  constructor(
    private readonly selfName: string,
    private readonly clock: LamportClock,
    /** True while this node is alive (not leaving or left): an old leave about us is refuted. */
    private readonly selfAlive: () => boolean,
  ) {}

  /** Every member, self included. */
  all(): IterableIterator<SerfMember> {
    return this.byName.values();
  }

  /** One member. */
  get(name: string): SerfMember | undefined {
    return this.byName.get(name);
  }

  /** Number of members in each status. */
  count(status: MemberStatus): number {
    let n = 0;
    for (const m of this.byName.values()) if (m.status === status) n++;
    return n;
  }

  /** memberlist says the node is alive (NotifyJoin). */
  nodeJoined(
    name: string,
    address: Address,
    tags: Record<string, string>,
    vsn: readonly number[],
  ): MemberChange {
    let member = this.byName.get(name);
    if (member === undefined) {
      member = { name, address, tags, status: "alive", statusLTime: 0, leftAtMs: undefined, vsn };
      const intent = this.intents.get(name);
      if (intent !== undefined) {
        member.statusLTime = intent.lTime;
        if (intent.type === "leave") member.status = "leaving";
        this.intents.delete(name);
      }
      this.byName.set(name, member);
    } else {
      member.status = "alive";
      member.leftAtMs = undefined;
      member.address = address;
      member.tags = tags;
      member.vsn = vsn;
    }
    return { kind: "joined", member };
  }

  /** memberlist says the node is dead or left (NotifyLeave). */
  nodeLeft(name: string, gracefully: boolean, nowMs: number): MemberChange | undefined {
    const member = this.byName.get(name);
    if (member === undefined) return undefined;
    if (member.status === "leaving" || (gracefully && member.status === "alive")) {
      member.status = "left";
    } else if (member.status === "alive") {
      member.status = "failed";
    } else {
      return undefined;
    }
    member.leftAtMs = nowMs;
    return { kind: member.status === "left" ? "left" : "failed", member };
  }

  /** memberlist says the node's meta changed (NotifyUpdate). */
  nodeUpdated(name: string, address: Address, tags: Record<string, string>): MemberChange | undefined {
    const member = this.byName.get(name);
    if (member === undefined) return undefined;
    member.address = address;
    member.tags = tags;
    return { kind: "updated", member };
  }

  /** A join intent; returns whether it was news (and so must be re-broadcast). */
  joinIntent(node: string, lTime: number, nowMs: number): boolean {
    this.clock.witness(lTime);
    const member = this.byName.get(node);
    if (member === undefined) return this.upsertIntent(node, "join", lTime, nowMs);
    if (lTime <= member.statusLTime) return false;
    member.statusLTime = lTime;
    if (member.status === "leaving") member.status = "alive";
    return true;
  }

  /**
   * A leave intent; returns whether it was news, and the changes it caused (a failed member
   * becoming left, a prune, or the need to refute an old leave about ourselves).
   */
  leaveIntent(
    node: string,
    lTime: number,
    prune: boolean,
    nowMs: number,
  ): { readonly news: boolean; readonly changes: MemberChange[] } {
    this.clock.witness(lTime);
    const member = this.byName.get(node);
    if (member === undefined) return { news: this.upsertIntent(node, "leave", lTime, nowMs), changes: [] };
    if (lTime <= member.statusLTime) return { news: false, changes: [] };
    if (node === this.selfName && this.selfAlive()) return { news: false, changes: [{ kind: "refute" }] };
    member.statusLTime = lTime;
    const changes: MemberChange[] = [];
    switch (member.status) {
      case "alive":
        member.status = "leaving";
        break;
      case "failed":
        member.status = "left";
        member.leftAtMs = nowMs;
        changes.push({ kind: "left", member });
        break;
      default:
        break;
    }
    // A leaving member is not erased yet: memberlist still gossips about it, and its own
    // leave completes within the broadcast timeout, after which a plain force-leave prunes it.
    if (prune && member.status === "left") {
      this.byName.delete(node);
      changes.push({ kind: "reaped", member });
    }
    return { news: true, changes };
  }

  /** Forget failed members past `reconnectTimeoutMs`, left ones past `tombstoneTimeoutMs`. */
  reap(
    nowMs: number,
    reconnectTimeoutMs: number,
    tombstoneTimeoutMs: number,
    intentTimeoutMs: number,
  ): SerfMember[] {
    const reaped: SerfMember[] = [];
    for (const member of this.byName.values()) {
      if (member.leftAtMs === undefined || member.name === this.selfName) continue;
      const limit = member.status === "failed" ? reconnectTimeoutMs : tombstoneTimeoutMs;
      if ((member.status === "failed" || member.status === "left") && nowMs - member.leftAtMs > limit) {
        this.byName.delete(member.name);
        reaped.push(member);
      }
    }
    for (const [name, intent] of this.intents) {
      if (nowMs - intent.atMs > intentTimeoutMs) this.intents.delete(name);
    }
    return reaped;
  }

  /** Erase a member at once (force-leave with prune). */
  remove(name: string): SerfMember | undefined {
    const member = this.byName.get(name);
    if (member !== undefined) this.byName.delete(name);
    return member;
  }

  private upsertIntent(node: string, type: "join" | "leave", lTime: number, nowMs: number): boolean {
    const existing = this.intents.get(node);
    if (existing === undefined || lTime > existing.lTime) {
      this.intents.set(node, { type, lTime, atMs: nowMs });
      return true;
    }
    return false;
  }
}
