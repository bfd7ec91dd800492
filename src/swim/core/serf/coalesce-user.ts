/**
 * Serf's user-event coalescer (`serf/coalesce_user.go`): per event name only the newest
 * Lamport time survives a window, with every event that carries that time (several nodes may
 * fire the same name at one LTime; those are distinct events, not duplicates).
 */

/** What the coalescer needs to know about a user event. */
export interface CoalescibleUserEvent {
  readonly kind: "userEventReceived";
  readonly name: string;
  readonly lTime: number;
  /** The sender's `cc` flag: false events are never held. */
  readonly coalesce: boolean;
}

/** Holds coalescible user events of one window. */
export class UserEventCoalescer<U extends CoalescibleUserEvent> {
  /** Name → newest LTime and its events; a Map so a flush keeps first-seen name order. */
  private readonly latest = new Map<string, { lTime: number; events: U[] }>();

  /** Whether `event` is held at all (Serf: only user events sent with `cc`). */
  handles(event: U): boolean {
    return event.coalesce;
  }

  /** Holds `event`, dropping older LTimes of its name and ignoring it when it is older. */
  add(event: U): void {
    const held = this.latest.get(event.name);
    if (held === undefined || held.lTime < event.lTime) {
      this.latest.set(event.name, { lTime: event.lTime, events: [event] });
    } else if (held.lTime === event.lTime) {
      held.events.push(event);
    }
  }

  /** The held events to deliver (by name in first-seen order, then arrival), emptying the window. */
  flush(): U[] {
    const out = [...this.latest.values()].flatMap((held) => held.events);
    this.latest.clear();
    return out;
  }
}
