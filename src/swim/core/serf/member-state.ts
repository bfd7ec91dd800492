/**
 * Serf's member table (`serf.go` handleNodeJoin / handleNodeLeave / handleNodeUpdate /
 * handleNodeJoinIntent / handleNodeLeaveIntent / reap). memberlist says who is reachable;
 * intents, ordered by the member Lamport clock, say who *meant* to leave, which is what tells
 * `left` from `failed`. For each member an intent applies only if its Lamport time is newer
 * than the member's `statusLTime` ("newer LTime wins").
 *
 * Statuses: `alive`; `leaving` (a leave intent arrived, memberlist still reaches it); `left`
 * (gone after a leave intent, kept as a tombstone); `failed` (gone without one; Serf retries
 * it and reaps it after the reconnect timeout).
 */
import type { Address, MemberStatus } from "../api.js";
import { RecentIntents } from "./intents.js";

/** One member as the Serf layer keeps it. */
export interface SerfMember {
  readonly name: string;
  address: Address;
  tags: Readonly<Record<string, string>>;
  status: MemberStatus;
  /** Lamport time of the last intent applied. */
  statusLTime: number;
  /** When it became failed or left (for reaping), else undefined. */
  leaveTimeMs: number | undefined;
  /** pmin, pmax, pcur, dmin, dmax, dcur. */
  vsn: readonly number[];
}

/** What memberlist reports about a node. */
export interface NodeFacts {
  readonly name: string;
  readonly address: Address;
  readonly tags: Readonly<Record<string, string>>;
  readonly vsn: readonly number[];
}

/** What applying a leave intent did. */
export interface LeaveIntentOutcome {
  /** It was news: re-broadcast it. */
  readonly rebroadcast: boolean;
  /** It was an old leave about ourselves while we are alive: refute with a join intent. */
  readonly refute: boolean;
  /** A failed member became left (report `memberLeft`). */
  readonly nowLeft: SerfMember | undefined;
  /** The intent asked to prune this member (erase it, after its leave if still leaving). */
  readonly prune: SerfMember | undefined;
}

const NOTHING: LeaveIntentOutcome = {
  rebroadcast: false,
  refute: false,
  nowLeft: undefined,
  prune: undefined,
};

function removeFrom(list: SerfMember[], member: SerfMember): void {
  const i = list.indexOf(member);
  if (i < 0) return;
  // Order does not matter (Serf swaps with the last element too).
  list[i] = list[list.length - 1] as SerfMember;
  list.pop();
}

/** The member table plus the rules that change it. */
export class MemberTable {
  /** Intents about members not known yet. */
  readonly intents = new RecentIntents();
  private readonly byName = new Map<string, SerfMember>();
  private readonly failedList: SerfMember[] = [];
  private readonly leftList: SerfMember[] = [];

  /** @param selfName This node's name (an old leave about it is refuted, never applied). */
  constructor(private readonly selfName: string) {}

  /** Number of members in the table (what Serf's broadcast queues count as N). */
  size(): number {
    return this.byName.size;
  }

  /** Every member, self included. */
  all(): IterableIterator<SerfMember> {
    return this.byName.values();
  }

  /** One member. */
  get(name: string): SerfMember | undefined {
    return this.byName.get(name);
  }

  /** Failed members (reconnect candidates). */
  failed(): readonly SerfMember[] {
    return this.failedList;
  }

  /** Left members (tombstones; sent as `LeftMembers` in push/pull). */
  left(): readonly SerfMember[] {
    return this.leftList;
  }

  /** Whether any member other than ourselves is alive (Serf's hasAliveMembers). */
  hasAliveOthers(): boolean {
    for (const m of this.byName.values()) if (m.status === "alive" && m.name !== this.selfName) return true;
    return false;
  }

  /**
   * memberlist's NotifyJoin: the node is reachable. A new member takes a buffered intent's
   * Lamport time (and is `leaving` if that intent was a leave).
   */
  nodeJoined(facts: NodeFacts): SerfMember {
    let member = this.byName.get(facts.name);
    if (member === undefined) {
      member = {
        name: facts.name,
        address: facts.address,
        tags: facts.tags,
        status: "alive",
        statusLTime: 0,
        leaveTimeMs: undefined,
        vsn: facts.vsn,
      };
      const join = this.intents.recent(facts.name, "join");
      if (join !== undefined) member.statusLTime = join;
      const leave = this.intents.recent(facts.name, "leave");
      if (leave !== undefined) {
        member.status = "leaving";
        member.statusLTime = leave;
      }
      this.byName.set(facts.name, member);
      return member;
    }
    if (member.status === "failed") removeFrom(this.failedList, member);
    else if (member.status === "left") removeFrom(this.leftList, member);
    member.status = "alive";
    member.leaveTimeMs = undefined;
    member.address = facts.address;
    member.tags = facts.tags;
    member.vsn = facts.vsn;
    return member;
  }

  /**
   * memberlist's NotifyLeave: the node is unreachable. A leaving member is now left, an
   * alive one failed. Shoal difference: when memberlist itself says the node *left* (its own
   * dead message, sent only by memberlist's graceful Leave) the member is left even if its
   * leave intent has not arrived yet, instead of failed-then-left: no false `memberFailed`,
   * no reconnect attempts at a node that said goodbye.
   *
   * @returns the member if its status changed.
   */
  nodeLeft(name: string, memberlistLeft: boolean, nowMs: number): SerfMember | undefined {
    const member = this.byName.get(name);
    if (member === undefined) return undefined;
    if (member.status === "leaving" || (member.status === "alive" && memberlistLeft)) {
      member.status = "left";
      this.leftList.push(member);
    } else if (member.status === "alive") {
      member.status = "failed";
      this.failedList.push(member);
    } else {
      return undefined;
    }
    member.leaveTimeMs = nowMs;
    return member;
  }

  /** memberlist's NotifyUpdate: new tags (or address) while alive. */
  nodeUpdated(facts: NodeFacts): SerfMember | undefined {
    const member = this.byName.get(facts.name);
    if (member === undefined) return undefined;
    member.address = facts.address;
    member.tags = facts.tags;
    member.vsn = facts.vsn;
    return member;
  }

  /** A join intent (the caller witnessed its time). True when it is news to re-broadcast. */
  joinIntent(node: string, lTime: number, nowMs: number): boolean {
    const member = this.byName.get(node);
    if (member === undefined) return this.intents.upsert(node, "join", lTime, nowMs);
    if (lTime <= member.statusLTime) return false;
    member.statusLTime = lTime;
    // A leave older than this join no longer holds.
    if (member.status === "leaving") member.status = "alive";
    return true;
  }

  /**
   * A leave intent (the caller witnessed its time).
   *
   * @param selfAlive Whether this node is alive (not leaving): a leave about us is then old
   *   news from a previous life and must be refuted.
   */
  leaveIntent(
    node: string,
    lTime: number,
    prune: boolean,
    selfAlive: boolean,
    nowMs: number,
  ): LeaveIntentOutcome {
    const member = this.byName.get(node);
    if (member === undefined) {
      const news = this.intents.upsert(node, "leave", lTime, nowMs);
      return news ? { ...NOTHING, rebroadcast: true } : NOTHING;
    }
    if (lTime <= member.statusLTime) return NOTHING;
    if (node === this.selfName && selfAlive) return { ...NOTHING, refute: true };
    // Recorded even when the status does not change, so that two leaves for one member are
    // not re-broadcast back and forth forever (consul#8179).
    member.statusLTime = lTime;
    let nowLeft: SerfMember | undefined;
    switch (member.status) {
      case "alive":
        member.status = "leaving";
        break;
      case "failed":
        member.status = "left";
        member.leaveTimeMs = nowMs;
        removeFrom(this.failedList, member);
        this.leftList.push(member);
        nowLeft = member;
        break;
      case "leaving":
      case "left":
        break;
    }
    return { rebroadcast: true, refute: false, nowLeft, prune: prune ? member : undefined };
  }

  /** Erase a member (prune, reap). */
  erase(member: SerfMember): void {
    if (this.byName.get(member.name) !== member) return;
    this.byName.delete(member.name);
    if (member.status === "failed") removeFrom(this.failedList, member);
    else if (member.status === "left" || member.status === "leaving") removeFrom(this.leftList, member);
  }

  /** Erase failed members past `reconnectTimeoutMs` and left ones past `tombstoneTimeoutMs`. */
  reap(nowMs: number, reconnectTimeoutMs: number, tombstoneTimeoutMs: number): SerfMember[] {
    const reaped: SerfMember[] = [];
    for (const [list, timeoutMs] of [
      [this.failedList, reconnectTimeoutMs],
      [this.leftList, tombstoneTimeoutMs],
    ] as const) {
      for (const m of [...list]) {
        if (nowMs - (m.leaveTimeMs ?? nowMs) <= timeoutMs) continue;
        this.erase(m);
        reaped.push(m);
      }
    }
    return reaped;
  }
}
