import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CoalescedEvents } from "../../../../src/agent/daemon/coalesced-events.js";
import type { MemberView } from "../../../../src/swim/core/api.js";
import type { CoalescedEvent } from "../../../../src/swim/core/serf/coalesce.js";
import { memberView } from "../../../support/member-view.js";

interface User {
  readonly kind: "userEventReceived";
  readonly name: string;
  readonly lTime: number;
  readonly coalesce: boolean;
}

const SERF = {
  coalescePeriodMs: 3_000,
  quiescentPeriodMs: 1_000,
  userCoalescePeriodMs: 3_000,
  userQuiescentPeriodMs: 1_000,
};
const user = (name: string, lTime: number, coalesce = true): User => ({
  kind: "userEventReceived",
  name,
  lTime,
  coalesce,
});
const view = (name: string): MemberView => memberView(name);

describe("CoalescedEvents: the agent's timer around the coalescer", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function channel(): { events: CoalescedEvents<User>; seen: string[] } {
    const seen: string[] = [];
    const deliver = (e: CoalescedEvent<User>): void => {
      seen.push(
        e.kind === "userEventReceived"
          ? `${e.name}@${e.lTime}`
          : `${e.kind}:${e.members.map((m) => m.name).join(",")}`,
      );
    };
    return { events: new CoalescedEvents<User>(SERF, deliver, () => Date.now()), seen };
  }

  it("delivers plain events at once and held ones when the quiescent period passes", () => {
    const { events, seen } = channel();
    events.push(user("deploy", 1));
    vi.advanceTimersByTime(300);
    events.push(user("deploy", 2));
    events.push(user("ping", 9, false));
    expect(seen).toEqual(["ping@9"]);
    vi.advanceTimersByTime(999);
    expect(seen).toEqual(["ping@9"]);
    vi.advanceTimersByTime(1);
    expect(seen).toEqual(["ping@9", "deploy@2"]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("keeps one timer for both windows and stops on close, dropping what is held", () => {
    const { events, seen } = channel();
    events.push({ kind: "memberJoined", member: view("a") });
    events.push(user("deploy", 1));
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1_000);
    expect(seen).toEqual(["memberJoined:a", "deploy@1"]);
    events.push(user("deploy", 2));
    events.close();
    events.push(user("deploy", 3, false));
    vi.advanceTimersByTime(5_000);
    expect(seen).toEqual(["memberJoined:a", "deploy@1"]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
