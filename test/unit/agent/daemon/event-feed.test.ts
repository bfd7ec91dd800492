import { describe, expect, it } from "vitest";
import { EVENT_HISTORY, EventFeed } from "../../../../src/agent/daemon/event-feed.js";
import type { AgentStreamEvent, UserEventInfo } from "../../../../src/http-api/agent-view.js";

function userEvent(lTime: number): UserEventInfo {
  return {
    id: `id-${lTime}`,
    name: "deploy",
    payload: new Uint8Array(),
    nodeFilter: "",
    serviceFilter: "",
    tagFilter: "",
    lTime,
  };
}

describe("EventFeed", () => {
  it("keeps the last EVENT_HISTORY user events, oldest first", () => {
    const feed = new EventFeed();
    for (let t = 1; t <= EVENT_HISTORY + 2; t++) feed.recordUserEvent(userEvent(t));
    expect(feed.events()).toHaveLength(EVENT_HISTORY);
    expect(feed.events()[0]?.lTime).toBe(3);
    expect(feed.events().at(-1)?.lTime).toBe(EVENT_HISTORY + 2);
  });

  it("tells each subscriber until it unsubscribes, even one unsubscribing mid-emit", () => {
    const feed = new EventFeed();
    const seen: string[] = [];
    const offA = feed.subscribe((e: AgentStreamEvent) => {
      seen.push(`a:${e.type}`);
      offA();
    });
    feed.subscribe((e) => seen.push(`b:${e.type}`));
    expect(feed.subscribers).toBe(2);
    feed.recordUserEvent(userEvent(1));
    feed.emit({ type: "member", event: "member-join", members: [] });
    expect(seen).toEqual(["a:user", "b:user", "b:member"]);
    expect(feed.subscribers).toBe(1);
  });

  it("lists remembered events and tells history listeners without emitting them to the stream", () => {
    const feed = new EventFeed();
    const streamed: string[] = [];
    const listed: number[] = [];
    feed.subscribe((e) => streamed.push(e.type));
    const off = feed.subscribeHistory((e) => listed.push(e.lTime));
    feed.remember(userEvent(1));
    feed.recordUserEvent(userEvent(2));
    off();
    feed.remember(userEvent(3));
    expect(feed.events().map((e) => e.lTime)).toEqual([1, 2, 3]);
    expect(listed).toEqual([1, 2]);
    expect(streamed).toEqual(["user"]);
  });
});
