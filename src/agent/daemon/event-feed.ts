/**
 * The user-event history and the event subscribers behind an AgentView's `events()` and
 * `subscribeEvents()`: the real agent and the tests' in-memory one keep them the same way.
 */
import type { AgentStreamEvent, UserEventInfo } from "../../http-api/agent-view.js";

/** How many received user events `/v1/event/list` keeps (Consul keeps 256). */
export const EVENT_HISTORY = 256;

/** Recent user events, and the listeners every member or user event goes to. */
export class EventFeed {
  private readonly history: UserEventInfo[] = [];
  private readonly listeners = new Set<(event: AgentStreamEvent) => void>();

  /** The last {@link EVENT_HISTORY} user events, oldest first. */
  events(): readonly UserEventInfo[] {
    return this.history;
  }

  /** Adds a listener; returns the unsubscribe function. */
  subscribe(listener: (event: AgentStreamEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Number of current listeners. */
  get subscribers(): number {
    return this.listeners.size;
  }

  /** Keeps a user event in the history, dropping the oldest past the limit, and emits it. */
  recordUserEvent(event: UserEventInfo): void {
    this.history.push(event);
    if (this.history.length > EVENT_HISTORY) this.history.shift();
    this.emit({ type: "user", event });
  }

  /** Tells every listener. */
  emit(event: AgentStreamEvent): void {
    // A copy: a listener may unsubscribe (or subscribe another) while being called.
    for (const listener of [...this.listeners]) listener(event);
  }
}
