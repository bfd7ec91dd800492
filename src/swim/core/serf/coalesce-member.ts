/**
 * Serf's member-event coalescer (`serf/coalesce_member.go`): within a window only each member's
 * latest event type counts, a flush groups members by that type, and a member whose type is
 * the one last delivered for it is left out (a flap that ends where it began is no news),
 * except updates, which always carry news.
 */
import type { MemberView } from "../api.js";

/** Serf's five member event types, named as the core's events are. */
export type MemberEventKind =
  "memberJoined" | "memberLeft" | "memberFailed" | "memberUpdated" | "memberReaped";

/** One member event from the core. */
export interface MemberEvent {
  readonly kind: MemberEventKind;
  readonly member: MemberView;
}

/** Members delivered together under one event type, like Serf's `MemberEvent`. */
export interface MemberBatch {
  readonly kind: MemberEventKind;
  readonly members: readonly MemberView[];
}

/** Holds member events of one window and remembers what was delivered per member. */
export class MemberEventCoalescer {
  /** Member name → its latest event this window (a Map keeps first-seen order). */
  private readonly latest = new Map<string, MemberEvent>();
  /** Member name → the type last delivered for it, across windows. */
  private readonly delivered = new Map<string, MemberEventKind>();

  /** Holds `event`, replacing any earlier event of the same member. */
  add(event: MemberEvent): void {
    // Deleted first so the member sorts by its latest event, as a new arrival would.
    this.latest.delete(event.member.name);
    this.latest.set(event.member.name, event);
  }

  /** The batches to deliver, one per type in order of first member, emptying the window. */
  flush(): MemberBatch[] {
    const batches = new Map<MemberEventKind, MemberView[]>();
    for (const [name, event] of this.latest) {
      if (this.delivered.get(name) === event.kind && event.kind !== "memberUpdated") continue;
      // Serf keeps the last type of every name it ever saw; a reaped member is forgotten by
      // the cluster, so forgetting it here too bounds the map under churn of unique names.
      if (event.kind === "memberReaped") this.delivered.delete(name);
      else this.delivered.set(name, event.kind);
      const members = batches.get(event.kind) ?? [];
      members.push(event.member);
      batches.set(event.kind, members);
    }
    // Serf never empties its per-window map, so a member's update came again with every later
    // flush; emptying it delivers each update once.
    this.latest.clear();
    return [...batches].map(([kind, members]) => ({ kind, members }));
  }
}
