import { describe, expect, it } from "vitest";
import { MemberTable, type NodeFacts } from "../../../../src/swim/core/serf/member-state.js";
import { RecentIntents } from "../../../../src/swim/core/serf/intents.js";

const facts = (name: string, tags: Record<string, string> = {}): NodeFacts => ({
  name,
  address: { host: "10.0.0.9", port: 7946 },
  tags,
  vsn: [1, 5, 2, 2, 5, 5],
});

describe("MemberTable: memberlist notifications", () => {
  it("join → alive; dead → failed; back → alive again, out of the failed list", () => {
    const t = new MemberTable("me");
    t.nodeJoined(facts("a"));
    expect(t.get("a")?.status).toBe("alive");
    expect(t.nodeLeft("a", false, 100)?.status).toBe("failed");
    expect(t.failed().map((m) => m.name)).toEqual(["a"]);
    expect(t.nodeLeft("a", false, 200)).toBeUndefined(); // no second verdict
    t.nodeJoined(facts("a", { role: "web" }));
    expect(t.get("a")).toMatchObject({ status: "alive", leaveTimeMs: undefined, tags: { role: "web" } });
    expect(t.failed()).toEqual([]);
  });

  it("a leaving member that disappears has left; memberlist's own 'left' is a leave too", () => {
    const t = new MemberTable("me");
    t.nodeJoined(facts("a"));
    t.nodeJoined(facts("b"));
    t.leaveIntent("a", 5, false, true, 0);
    expect(t.get("a")?.status).toBe("leaving");
    expect(t.nodeLeft("a", false, 10)?.status).toBe("left");
    // b's leave intent has not arrived, but memberlist heard b's own dead-about-itself.
    expect(t.nodeLeft("b", true, 10)?.status).toBe("left");
    expect(
      t
        .left()
        .map((m) => m.name)
        .sort(),
    ).toEqual(["a", "b"]);
    expect(t.failed()).toEqual([]);
  });

  it("updates tags on NotifyUpdate and ignores unknown nodes", () => {
    const t = new MemberTable("me");
    t.nodeJoined(facts("a"));
    expect(t.nodeUpdated(facts("a", { v: "2" }))?.tags).toEqual({ v: "2" });
    expect(t.nodeUpdated(facts("nobody"))).toBeUndefined();
  });
});

describe("MemberTable: intents ordered by the member Lamport clock", () => {
  it("newer LTime wins: an older or equal intent is ignored and not re-broadcast", () => {
    const t = new MemberTable("me");
    t.nodeJoined(facts("a"));
    expect(t.joinIntent("a", 10, 0)).toBe(true);
    expect(t.get("a")?.statusLTime).toBe(10);
    expect(t.joinIntent("a", 10, 0)).toBe(false);
    expect(t.leaveIntent("a", 9, false, true, 0).rebroadcast).toBe(false);
    expect(t.get("a")?.status).toBe("alive");
    const leave = t.leaveIntent("a", 11, false, true, 0);
    expect(leave.rebroadcast).toBe(true);
    expect(t.get("a")?.status).toBe("leaving");
    // A join newer than the leave means the leave no longer holds.
    expect(t.joinIntent("a", 12, 0)).toBe(true);
    expect(t.get("a")?.status).toBe("alive");
  });

  it("records the LTime of a leave even when the status stays (no endless re-broadcast, consul#8179)", () => {
    const t = new MemberTable("me");
    t.nodeJoined(facts("a"));
    t.leaveIntent("a", 3, false, true, 0);
    expect(t.leaveIntent("a", 4, false, true, 0).rebroadcast).toBe(true);
    expect(t.get("a")?.statusLTime).toBe(4);
    expect(t.leaveIntent("a", 4, false, true, 0).rebroadcast).toBe(false);
  });

  it("a leave about a failed member makes it left (reported) and moves it to the tombstones", () => {
    const t = new MemberTable("me");
    t.nodeJoined(facts("a"));
    t.nodeLeft("a", false, 50);
    const out = t.leaveIntent("a", 2, false, true, 60);
    expect(out.nowLeft?.name).toBe("a");
    expect(t.get("a")).toMatchObject({ status: "left", leaveTimeMs: 60 });
    expect(t.failed()).toEqual([]);
    expect(t.left().map((m) => m.name)).toEqual(["a"]);
  });

  it("an old leave about ourselves while alive is refuted, not applied", () => {
    const t = new MemberTable("me");
    t.nodeJoined(facts("me"));
    const out = t.leaveIntent("me", 7, false, true, 0);
    expect(out).toMatchObject({ refute: true, rebroadcast: false });
    expect(t.get("me")?.status).toBe("alive");
    // While we leave ourselves, our own leave applies.
    expect(t.leaveIntent("me", 7, false, false, 0).rebroadcast).toBe(true);
    expect(t.get("me")?.status).toBe("leaving");
  });

  it("buffers intents about unknown nodes and applies the newest when the node shows up", () => {
    const t = new MemberTable("me");
    expect(t.joinIntent("late", 3, 0)).toBe(true);
    expect(t.joinIntent("late", 3, 0)).toBe(false);
    expect(t.leaveIntent("late", 8, false, true, 0).rebroadcast).toBe(true);
    expect(t.leaveIntent("late", 5, false, true, 0).rebroadcast).toBe(false);
    t.nodeJoined(facts("late"));
    expect(t.get("late")).toMatchObject({ status: "leaving", statusLTime: 8 });
  });

  it("asks for a prune and leaves the erasing to the caller", () => {
    const t = new MemberTable("me");
    t.nodeJoined(facts("a"));
    t.nodeLeft("a", false, 0);
    const out = t.leaveIntent("a", 2, true, true, 0);
    expect(out.prune?.name).toBe("a");
    t.erase(out.prune!);
    expect(t.get("a")).toBeUndefined();
    expect(t.left()).toEqual([]);
  });
});

describe("MemberTable: reaping", () => {
  it("forgets failed members after the reconnect timeout and left ones after the tombstone timeout", () => {
    const t = new MemberTable("me");
    t.nodeJoined(facts("crashed"));
    t.nodeJoined(facts("gone"));
    t.nodeLeft("crashed", false, 0);
    t.nodeLeft("gone", true, 0);
    expect(t.reap(1_000, 1_000, 5_000)).toEqual([]); // not *past* the timeout yet
    expect(t.reap(1_001, 1_000, 5_000).map((m) => m.name)).toEqual(["crashed"]);
    expect(t.reap(5_001, 1_000, 5_000).map((m) => m.name)).toEqual(["gone"]);
    expect(t.size()).toBe(0);
  });
});

describe("RecentIntents", () => {
  it("keeps one newest intent per node and expires them", () => {
    const r = new RecentIntents();
    expect(r.upsert("x", "join", 4, 0)).toBe(true);
    expect(r.upsert("x", "leave", 4, 0)).toBe(false);
    expect(r.upsert("x", "leave", 5, 10)).toBe(true);
    expect(r.recent("x", "join")).toBeUndefined();
    expect(r.recent("x", "leave")).toBe(5);
    r.reap(100, 90); // exactly the timeout: kept
    expect(r.size()).toBe(1);
    r.reap(101, 90);
    expect(r.size()).toBe(0);
  });
});
