/**
 * Serf's event handler syntax (`agent/event_handler.go` ParseEventScript): `script` runs on
 * every event; `type[,type...]=script` filters, where a type is `member-join`, `member-leave`,
 * `member-failed`, `member-update`, `member-reap`, `user`, `query`, `*`, or `user:NAME` /
 * `query:NAME` for one event or query name.
 */

/** Event types a handler may filter on. */
export const EVENT_TYPES = [
  "member-join",
  "member-leave",
  "member-failed",
  "member-update",
  "member-reap",
  "user",
  "query",
  "*",
] as const;

/** One of {@link EVENT_TYPES}. */
export type EventType = (typeof EVENT_TYPES)[number];

/** One filter: an event type and, for `user`/`query`, an optional exact name. */
export interface EventFilter {
  readonly event: EventType;
  readonly name?: string;
}

/** A parsed handler: what it reacts to and the shell command it runs. */
export interface EventHandlerSpec {
  readonly filters: readonly EventFilter[];
  readonly script: string;
}

function isEventType(text: string): text is EventType {
  return (EVENT_TYPES as readonly string[]).includes(text);
}

/**
 * Parses a handler spec as Serf does (split at the first `=`), or returns why it is invalid.
 * As in Serf, a bare script containing `=` must be written with a filter (`*=FOO=1 ./x`).
 */
export function parseEventHandlerSpec(spec: string): EventHandlerSpec | string {
  const eq = spec.indexOf("=");
  const filterText = eq < 0 ? "*" : spec.slice(0, eq) || "*";
  const script = (eq < 0 ? spec : spec.slice(eq + 1)).trim();
  if (script === "") return `${JSON.stringify(spec)} has no script`;
  const filters: EventFilter[] = [];
  for (const part of filterText.split(",")) {
    const named = /^(user|query):(.*)$/s.exec(part);
    if (named?.[1] === "user" || named?.[1] === "query") {
      filters.push(named[2] === "" ? { event: named[1] } : { event: named[1], name: named[2] ?? "" });
    } else if (isEventType(part)) {
      filters.push({ event: part });
    } else {
      return `${JSON.stringify(spec)} has unknown event type ${JSON.stringify(part)} (expected one of ${EVENT_TYPES.join(", ")}, user:NAME, query:NAME)`;
    }
  }
  return { filters, script };
}
