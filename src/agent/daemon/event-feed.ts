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
  private readonly historyListeners = new Set<(event: UserEventInfo) => void>();

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

  /** Adds a listener told of every user event the history gains; returns the unsubscribe function. */
  subscribeHistory(listener: (event: UserEventInfo) => void): () => void {
    this.historyListeners.add(listener);
    return () => this.historyListeners.delete(listener);
  }

  /** Keeps a user event in the history and emits it at once (no coalescing). */
  recordUserEvent(event: UserEventInfo): void {
    this.remember(event);
    this.emit({ type: "user", event });
  }

  /**
   * Keeps a user event in the history, dropping the oldest past the limit, without emitting
   * it: the real agent lists every event as it arrives (as Consul does) but emits it to
   * streams only once coalescing lets it go.
   */
  remember(event: UserEventInfo): void {
    this.history.push(event);
    if (this.history.length > EVENT_HISTORY) this.history.shift();
    for (const listener of [...this.historyListeners]) listener(event);
  }

  /** Tells every listener. */
  emit(event: AgentStreamEvent): void {
    // A copy: a listener may unsubscribe (or subscribe another) while being called.
    for (const listener of [...this.listeners]) listener(event);
  }
}
