/**
 * Event coalescing as Serf's agent applies it to its event channel (`serf/coalesce.go`, set
 * up in `serf.Create`): member events and `cc` user events are held in two independent
 * windows and delivered merged; everything else passes straight through. Pure: the shell
 * passes `nowMs` in and keeps one timer at {@link EventCoalescer.nextDeadlineMs}.
 */
import { CoalesceWindow } from "./coalesce-window.js";
import { type MemberBatch, type MemberEvent, MemberEventCoalescer } from "./coalesce-member.js";
import { type CoalescibleUserEvent, UserEventCoalescer } from "./coalesce-user.js";

export type { CoalescibleUserEvent } from "./coalesce-user.js";
export type { MemberBatch, MemberEvent, MemberEventKind } from "./coalesce-member.js";

/** The four periods; a window with either of its periods at 0 is off (Serf's rule). */
export interface CoalesceConfig {
  /** Longest a member event is held (Serf agent: 3 s). */
  readonly coalescePeriodMs: number;
  /** Member events flush once none arrived for this long (Serf agent: 1 s). */
  readonly quiescentPeriodMs: number;
  /** Longest a `cc` user event is held (Serf agent: 3 s). */
  readonly userCoalescePeriodMs: number;
  /** `cc` user events flush once none arrived for this long (Serf agent: 1 s). */
  readonly userQuiescentPeriodMs: number;
}

/** What comes out: member events grouped by type, and user events as they went in. */
export type CoalescedEvent<U extends CoalescibleUserEvent> = MemberBatch | U;

/**
 * Merges member and user events the way Serf's agent does before its handlers and RPC
 * streams see them. `U` lets the shell carry its own fields along with a user event.
 */
export class EventCoalescer<U extends CoalescibleUserEvent> {
  private readonly memberWindow: CoalesceWindow;
  private readonly userWindow: CoalesceWindow;
  private readonly members = new MemberEventCoalescer();
  private readonly users = new UserEventCoalescer<U>();

  constructor(config: CoalesceConfig) {
    this.memberWindow = new CoalesceWindow(config.coalescePeriodMs, config.quiescentPeriodMs);
    this.userWindow = new CoalesceWindow(config.userCoalescePeriodMs, config.userQuiescentPeriodMs);
  }

  /** Takes one event; returns what to deliver now (the event itself unless it is held). */
  push(event: MemberEvent | U, nowMs: number): readonly CoalescedEvent<U>[] {
    if (event.kind === "userEventReceived") {
      if (!this.userWindow.enabled || !this.users.handles(event)) return [event];
      this.userWindow.touch(nowMs);
      this.users.add(event);
      return [];
    }
    if (!this.memberWindow.enabled) return [{ kind: event.kind, members: [event.member] }];
    this.memberWindow.touch(nowMs);
    this.members.add(event);
    return [];
  }

  /** The held events whose window has closed by `nowMs`, earlier deadline first. */
  due(nowMs: number): readonly CoalescedEvent<U>[] {
    const windows = [
      { window: this.memberWindow, flush: (): CoalescedEvent<U>[] => this.members.flush() },
      { window: this.userWindow, flush: (): CoalescedEvent<U>[] => this.users.flush() },
    ]
      .filter((w) => w.window.isDue(nowMs))
      .sort((a, b) => (a.window.deadlineMs() ?? 0) - (b.window.deadlineMs() ?? 0));
    return windows.flatMap((w) => {
      w.window.close();
      return w.flush();
    });
  }

  /** When {@link due} next has something to deliver; undefined while nothing is held. */
  nextDeadlineMs(): number | undefined {
    const deadlines = [this.memberWindow.deadlineMs(), this.userWindow.deadlineMs()].filter(
      (at): at is number => at !== undefined,
    );
    return deadlines.length === 0 ? undefined : Math.min(...deadlines);
  }
}
