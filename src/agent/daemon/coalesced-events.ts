/**
 * The agent's event channel, as Serf's agent has it: member and user events pass through the
 * core's pure {@link EventCoalescer} before event handlers and event streams see them, with
 * one timer at the coalescer's next deadline. The agent's own log lines do not wait for it
 * (Serf logs `EventMemberJoin` the moment it happens, too).
 */
import {
  type CoalesceConfig,
  type CoalescedEvent,
  type CoalescibleUserEvent,
  EventCoalescer,
  type MemberEvent,
} from "../../swim/core/serf/coalesce.js";

/** Feeds events through coalescing to `deliver`, on a real monotonic clock. */
export class CoalescedEvents<U extends CoalescibleUserEvent> {
  private readonly coalescer: EventCoalescer<U>;
  private timer: NodeJS.Timeout | undefined;
  private timerAtMs: number | undefined;
  private closed = false;

  /**
   * @param deliver Called with each event once coalescing lets it go, in order.
   * @param now Monotonic milliseconds; a parameter so tests can drive it.
   */
  constructor(
    config: CoalesceConfig,
    private readonly deliver: (event: CoalescedEvent<U>) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.coalescer = new EventCoalescer<U>(config);
  }

  /** Takes one event from the core; delivers it now or once its window closes. */
  push(event: MemberEvent | U): void {
    if (this.closed) return;
    this.send(this.coalescer.push(event, this.now()));
    this.arm();
  }

  /** Stops the timer; held events are dropped (Serf's agent stops reading its channel too). */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAtMs = undefined;
    this.send(this.coalescer.due(this.now()));
    this.arm();
  }

  private send(events: readonly CoalescedEvent<U>[]): void {
    for (const event of events) this.deliver(event);
  }

  /** Keeps exactly one timer, at the coalescer's next deadline. */
  private arm(): void {
    const at = this.coalescer.nextDeadlineMs();
    if (this.closed || at === this.timerAtMs) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAtMs = at;
    if (at === undefined) return;
    // At least 1 ms: a timer may fire a hair before the monotonic clock reaches the deadline,
    // and then fire() simply re-arms.
    this.timer = setTimeout(() => this.fire(), Math.max(1, Math.ceil(at - this.now())));
    // The sockets keep the process alive; a pending flush alone should not.
    this.timer.unref();
  }
}
