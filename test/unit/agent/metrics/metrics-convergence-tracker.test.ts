import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import type { Version } from "../../../../src/agent/catalog/record.js";
import { ConvergenceTracker } from "../../../../src/agent/metrics/convergence-tracker.js";

function tracker(versions: Map<string, Version>, clock: { now: number }, registry?: Registry) {
  return new ConvergenceTracker(
    {
      nodeName: "me",
      members: () => [
        { name: "me", incarnation: 1, status: "alive", memberlistState: "alive" },
        { name: "peer", incarnation: 2, status: "alive", memberlistState: "suspect" },
      ],
      catalogDigest: () => "cafe",
      catalogIndex: () => 7,
      originVersions: () => versions,
    },
    () => clock.now,
    registry,
  );
}

describe("ConvergenceTracker", () => {
  it("records when each origin's version first arrived and the stamped delay", async () => {
    const clock = { now: 10_000 };
    const versions = new Map<string, Version>([["peer", { generation: 1, counter: 2 }]]);
    const registry = new Registry();
    const t = tracker(versions, clock, registry);
    t.catalogApplied("peer", { generation: 1, counter: 2 }, 9_880);
    clock.now = 12_000;
    // A relay of the same version later does not move the first-seen time.
    t.catalogApplied("peer", { generation: 1, counter: 2 }, 9_880);
    const report = t.report();
    expect(report.Catalog.Origins.peer).toEqual({ Version: "1.2", FirstSeenMs: 10_000 });
    expect(report.PropagationDelay.catalog.Count).toBe(2);
    expect(report.Members.ByStatus).toEqual({ alive: 1, suspect: 1 });
    expect(report.Catalog.Digest).toBe("cafe");
    expect(await registry.metrics()).toContain('shoal_propagation_delay_seconds_count{kind="catalog"} 2');
  });

  it("notes versions learned by push/pull, without a delay sample", () => {
    const clock = { now: 5_000 };
    const versions = new Map<string, Version>([["peer", { generation: 2, counter: 1 }]]);
    const t = tracker(versions, clock);
    t.versionsMerged();
    const report = t.report();
    expect(report.Catalog.Origins.peer?.FirstSeenMs).toBe(5_000);
    expect(report.PropagationDelay.catalog.Count).toBe(0);
  });

  it("shows 0 for a version it never saw arrive", () => {
    const t = tracker(new Map([["peer", { generation: 1, counter: 1 }]]), { now: 1 });
    expect(t.report().Catalog.Origins.peer?.FirstSeenMs).toBe(0);
  });

  it("keeps the arrival times of recent user events", () => {
    const clock = { now: 42 };
    const t = tracker(new Map(), clock);
    t.userEventReceived("deploy", 3);
    expect(t.report().UserEvents).toEqual([{ Name: "deploy", LTime: 3, ReceivedMs: 42 }]);
  });
});
