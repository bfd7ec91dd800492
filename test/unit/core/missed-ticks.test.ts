import { describe, expect, it } from "vitest";

import { lanConfig } from "../../../src/swim/core/config.js";
import { nextTick } from "../../../src/swim/core/deadline-calendar.js";
import { Harness } from "./harness.js";

describe("periodic ticks after a stall", () => {
  it("nextTick keeps the phase and drops the ticks that were missed", () => {
    expect(nextTick(1_000, 200, 1_000)).toBe(1_200);
    expect(nextTick(1_000, 200, 1_150)).toBe(1_200);
    expect(nextTick(1_000, 200, 1_200)).toBe(1_400);
    expect(nextTick(1_000, 200, 6_050)).toBe(6_200);
  });

  it("a node whose timer fires 5 s late gossips and probes once, not once per missed tick", () => {
    const h = new Harness(11);
    const names = ["a", "b", "c", "d", "e", "f"];
    for (const n of names) h.add(n, { ...lanConfig(), pushPullIntervalMs: 0 });
    h.joinAll("a");
    h.runFor(200);
    const a = h.node("a");
    // Give a something to gossip: a tag change re-broadcasts its alive.
    h.act("a", (ml) => ml.updateNode(h.nowMs));
    a.ml.drain();

    const stalledUntil = h.nowMs + 5_000; // 25 gossip intervals and 5 probe intervals missed
    a.ml.onTimer(stalledUntil);
    const sent = a.ml.drain().filter((d) => d.kind === "send");
    // One gossip round (3 peers) and one probe: memberlist's Go tickers drop missed ticks.
    expect(sent.length).toBeLessThanOrEqual(lanConfig().gossipNodes + 1);
    const next = a.ml.nextDeadline();
    expect(next).toBeGreaterThan(stalledUntil);
  });
});
