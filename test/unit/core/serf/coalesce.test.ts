import { describe, expect, it } from "vitest";
import type { MemberView } from "../../../../src/swim/core/api.js";
import {
  type CoalesceConfig,
  type CoalescedEvent,
  EventCoalescer,
  type MemberEventKind,
} from "../../../../src/swim/core/serf/coalesce.js";
import { memberView } from "../../../support/member-view.js";

/** Serf agent's periods. */
const SERF: CoalesceConfig = {
  coalescePeriodMs: 3_000,
  quiescentPeriodMs: 1_000,
  userCoalescePeriodMs: 3_000,
  userQuiescentPeriodMs: 1_000,
};
const OFF: CoalesceConfig = {
  coalescePeriodMs: 0,
  quiescentPeriodMs: 0,
  userCoalescePeriodMs: 0,
  userQuiescentPeriodMs: 0,
};

interface User {
  readonly kind: "userEventReceived";
  readonly name: string;
  readonly lTime: number;
  readonly coalesce: boolean;
  readonly tag: string;
}

const user = (name: string, lTime: number, tag = `${name}@${lTime}`, coalesce = true): User => ({
  kind: "userEventReceived",
  name,
  lTime,
  coalesce,
  tag,
});

const view = (name: string): MemberView => memberView(name);
const member = (kind: MemberEventKind, name: string): { kind: MemberEventKind; member: MemberView } => ({
  kind,
  member: view(name),
});

/** Short text for each delivered event. */
function show(events: readonly CoalescedEvent<User>[]): string[] {
  return events.map((e) =>
    e.kind === "userEventReceived" ? e.tag : `${e.kind}:${e.members.map((m) => m.name).join(",")}`,
  );
}

describe("EventCoalescer: user events", () => {
  it("collapses several events of one name to the newest LTime, keeping all events of that LTime", () => {
    const c = new EventCoalescer<User>(SERF);
    for (const [t, e] of [
      [0, user("deploy", 3)],
      [100, user("deploy", 5, "a")],
      [200, user("deploy", 4)],
      [300, user("deploy", 5, "b")],
      [400, user("other", 1)],
    ] as const)
      expect(c.push(e, t)).toEqual([]);
    expect(show(c.due(1_399))).toEqual([]);
    expect(show(c.due(1_400))).toEqual(["a", "b", "other@1"]);
    expect(c.nextDeadlineMs()).toBeUndefined();
  });

  it("passes cc=false events straight through, even while coalescible ones are held", () => {
    const c = new EventCoalescer<User>(SERF);
    expect(c.push(user("deploy", 1), 0)).toEqual([]);
    expect(show(c.push(user("deploy", 2, "plain-2", false), 10))).toEqual(["plain-2"]);
    expect(show(c.push(user("deploy", 3, "plain-3", false), 20))).toEqual(["plain-3"]);
    // A plain event does not restart the quiescent period.
    expect(c.nextDeadlineMs()).toBe(1_000);
    expect(show(c.due(1_000))).toEqual(["deploy@1"]);
  });

  it("flushes at the quiescent period after the last event", () => {
    const c = new EventCoalescer<User>(SERF);
    c.push(user("deploy", 1), 0);
    c.push(user("deploy", 2), 600);
    expect(c.nextDeadlineMs()).toBe(1_600);
    expect(c.due(1_599)).toEqual([]);
    expect(show(c.due(1_600))).toEqual(["deploy@2"]);
  });

  it("flushes at the coalesce period when events never stop", () => {
    const c = new EventCoalescer<User>(SERF);
    let delivered: string[] = [];
    for (let t = 0; t < 3_000; t += 500) {
      delivered = [...delivered, ...show(c.due(t))];
      c.push(user("tick", t + 1), t);
    }
    expect(delivered).toEqual([]);
    expect(c.nextDeadlineMs()).toBe(3_000);
    expect(show(c.due(3_000))).toEqual(["tick@2501"]);
    // The next event opens a new window.
    c.push(user("tick", 9_000), 3_100);
    expect(c.nextDeadlineMs()).toBe(4_100);
  });

  it("delivers an older LTime that arrives in a later window (it is not a duplicate)", () => {
    const c = new EventCoalescer<User>(SERF);
    c.push(user("deploy", 5), 0);
    expect(show(c.due(1_000))).toEqual(["deploy@5"]);
    c.push(user("deploy", 4), 1_100);
    expect(show(c.due(2_100))).toEqual(["deploy@4"]);
  });
});

describe("EventCoalescer: member events", () => {
  it("keeps the latest event per member and delivers members grouped by type", () => {
    const c = new EventCoalescer<User>(SERF);
    c.push(member("memberJoined", "a"), 0);
    c.push(member("memberJoined", "b"), 10);
    c.push(member("memberFailed", "a"), 20);
    c.push(member("memberJoined", "c"), 30);
    c.push(member("memberLeft", "b"), 40);
    c.push(member("memberJoined", "d"), 50);
    // Members in the order of their latest event; types in the order of their first member.
    expect(show(c.due(1_050))).toEqual(["memberFailed:a", "memberJoined:c,d", "memberLeft:b"]);
  });

  it("leaves out a member whose latest type is the one last delivered, except updates", () => {
    const c = new EventCoalescer<User>(SERF);
    c.push(member("memberJoined", "a"), 0);
    c.push(member("memberUpdated", "b"), 0);
    expect(show(c.due(1_000))).toEqual(["memberJoined:a", "memberUpdated:b"]);
    // a flaps (failed, then back) within one window; b updates again.
    c.push(member("memberFailed", "a"), 2_000);
    c.push(member("memberJoined", "a"), 2_100);
    c.push(member("memberUpdated", "b"), 2_200);
    expect(show(c.due(3_200))).toEqual(["memberUpdated:b"]);
    // An update is delivered once per window it happened in, not again with later flushes.
    c.push(member("memberFailed", "a"), 4_000);
    expect(show(c.due(5_000))).toEqual(["memberFailed:a"]);
  });

  it("delivers a member that comes back under its name after being reaped", () => {
    const c = new EventCoalescer<User>(SERF);
    c.push(member("memberJoined", "a"), 0);
    c.push(member("memberReaped", "a"), 3_000 - 1);
    expect(show(c.due(3_000))).toEqual(["memberReaped:a"]);
    c.push(member("memberJoined", "a"), 10_000);
    expect(show(c.due(11_000))).toEqual(["memberJoined:a"]);
  });

  it("runs its window independently of the user events' window", () => {
    const c = new EventCoalescer<User>({ ...SERF, quiescentPeriodMs: 500 });
    c.push(user("deploy", 1), 0);
    c.push(member("memberJoined", "a"), 100);
    expect(c.nextDeadlineMs()).toBe(600);
    expect(show(c.due(600))).toEqual(["memberJoined:a"]);
    expect(c.nextDeadlineMs()).toBe(1_000);
    // Both due at once: the earlier deadline first.
    c.push(member("memberJoined", "b"), 700);
    expect(show(c.due(2_000))).toEqual(["deploy@1", "memberJoined:b"]);
  });
});

describe("EventCoalescer: disabled", () => {
  it("passes everything through when the periods are 0", () => {
    const c = new EventCoalescer<User>(OFF);
    expect(show(c.push(user("deploy", 1), 0))).toEqual(["deploy@1"]);
    expect(show(c.push(user("deploy", 1), 0))).toEqual(["deploy@1"]);
    expect(show(c.push(member("memberJoined", "a"), 0))).toEqual(["memberJoined:a"]);
    expect(show(c.push(member("memberJoined", "a"), 0))).toEqual(["memberJoined:a"]);
    expect(c.nextDeadlineMs()).toBeUndefined();
    expect(c.due(1e9)).toEqual([]);
  });

  it("turns off a window when either of its periods is 0, independently of the other", () => {
    const c = new EventCoalescer<User>({ ...SERF, userQuiescentPeriodMs: 0 });
    expect(show(c.push(user("deploy", 1), 0))).toEqual(["deploy@1"]);
    expect(c.push(member("memberJoined", "a"), 0)).toEqual([]);
    const m = new EventCoalescer<User>({ ...SERF, coalescePeriodMs: 0 });
    expect(show(m.push(member("memberJoined", "a"), 0))).toEqual(["memberJoined:a"]);
    expect(m.push(user("deploy", 1), 0)).toEqual([]);
  });
});
