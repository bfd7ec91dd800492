/**
 * Failure detection with Lifeguard's dynamic suspicion timeout (PROTOCOL.md 2.4), at 10 LAN
 * nodes: suspicion min = 4 × max(1, log10 10) × 1 s = 4 s, max = 6 × min = 24 s, k = 2.
 *
 * Bounds checked for each crash, with tS the first suspicion of the victim anywhere:
 * - nobody declares the victim failed before tS + min (no timer can expire earlier);
 * - every live node declares it failed by tS + max + D, where D = 1.5 × the model's 99.99 %
 *   dissemination time (the dead message must still travel);
 * - when k independent accusers (besides the first) suspected it, the first verdict comes by
 *   max(tS + min, time of the k-th confirmation + D): confirmations shorten the timeout to min.
 *
 * Those are memberlist's bounds, checked with the LAN preset, which is memberlist's (Shoal's
 * refused-port shortcut off: `refusedSuspicionTimeoutMs: 0`). With it on (the agent's default,
 * `AGENT_PROFILES`), a crashed node's port refuses
 * the first accuser's TCP fallback ping, so that accuser's suspicion expires after
 * `refusedSuspicionTimeoutMs` (2 s): the first verdict comes exactly then, the last within D.
 * A node that is merely unreachable (partitioned away) refuses nothing and keeps memberlist's
 * bounds, checked with the shortcut on.
 */
import { describe, expect, it } from "vitest";
import { AGENT_PROFILES, lanConfig } from "../../src/swim/core/config.js";
import type { SwimEvent } from "../../src/swim/core/api.js";
import { formCluster } from "../../src/swim/sim/convergence.js";
import { modelSummary } from "../../src/swim/sim/model.js";
import { realNodeFactory } from "../../src/swim/sim/real-node.js";
import { Simulator } from "../../src/swim/sim/simulator.js";
import { replayHint, simSeed } from "./sim-seed.js";

const FILE = "test/sim/failure-detection.test.ts";
const seed = simSeed(3);
const hint = replayHint(seed, FILE);

const N = 10;
const MIN_MS = 4_000;
const MAX_MS = 24_000;
const K = 2;

/** What `shoal agent` runs at LAN settings: memberlist's preset plus the refused-port shortcut. */
const AGENT_LAN = AGENT_PROFILES.lan();
const REFUSED_MS = AGENT_LAN.refusedSuspicionTimeoutMs;

describe("failure detection of a crashed node (10 nodes, LAN)", () => {
  it("memberlist's timing: every live node declares it failed within the suspicion bounds, never before min", () => {
    const sim = new Simulator({
      seed,
      createNode: realNodeFactory,
      testFile: FILE,
      memberlist: lanConfig(),
    });
    formCluster(sim, N, 5_000);
    const slackMs = 1.5 * modelSummary({ nodes: N, fanout: 3, intervalMs: 200 }).t9999Ms;

    for (const victimIndex of [3, 7]) {
      const victim = sim.node(victimIndex).name;
      const suspicions: { at: number; observer: string; from: string }[] = [];
      const failures = new Map<string, number>();
      const off = sim.onEvent(({ node, event, timeMs }) => {
        const e: SwimEvent = event;
        if (e.kind === "memberSuspected" && e.member.name === victim) {
          suspicions.push({ at: timeMs, observer: sim.node(node).name, from: e.from });
        } else if (
          e.kind === "memberFailed" &&
          e.member.name === victim &&
          !failures.has(sim.node(node).name)
        ) {
          failures.set(sim.node(node).name, timeMs);
        }
      });
      const crashedAt = sim.now;
      sim.crash(victimIndex);
      const live = sim.runningIndices().map((i) => sim.node(i).name);
      sim.runUntilTrue(() => live.every((name) => failures.has(name)), crashedAt + MAX_MS + 30_000);
      off();

      expect(suspicions.length, `nobody suspected ${victim} ${hint}`).toBeGreaterThan(0);
      const tS = suspicions[0]!.at;
      const missing = live.filter((name) => !failures.has(name));
      expect(missing, `nodes that never declared ${victim} failed ${hint}`).toEqual([]);
      const verdicts = [...failures.values()];
      const first = Math.min(...verdicts);
      const last = Math.max(...verdicts);
      expect(
        first - tS,
        `first verdict ${first - tS} ms after first suspicion ${hint}`,
      ).toBeGreaterThanOrEqual(MIN_MS);
      expect(last - tS, `last verdict ${last - tS} ms after first suspicion ${hint}`).toBeLessThanOrEqual(
        MAX_MS + slackMs,
      );
      // Independent accusers, in the order they first accused.
      const accusers: { name: string; at: number }[] = [];
      for (const s of suspicions)
        if (!accusers.some((a) => a.name === s.from)) accusers.push({ name: s.from, at: s.at });
      if (accusers.length >= K + 1) {
        const kth = accusers[K]!.at;
        expect(first, `first verdict vs k-th confirmation at ${kth - tS} ms ${hint}`).toBeLessThanOrEqual(
          Math.max(tS + MIN_MS, kth + slackMs),
        );
      }
      console.log(
        `[sim] ${victim}: suspected ${tS - crashedAt} ms after crash by ${accusers.length} accuser(s); ` +
          `failed everywhere ${first - tS}..${last - tS} ms after first suspicion`,
      );
      sim.runFor(5_000);
    }
    expect(sim.falsePositives, hint).toBe(0);
    sim.assertConverged();
  });

  it("a crash (port refuses) is declared failed refusedSuspicionTimeoutMs after the first suspicion", () => {
    const sim = new Simulator({ seed, createNode: realNodeFactory, testFile: FILE, memberlist: AGENT_LAN });
    formCluster(sim, N, 5_000);
    const slackMs = 1.5 * modelSummary({ nodes: N, fanout: 3, intervalMs: 200 }).t9999Ms;
    for (const victimIndex of [3, 7]) {
      const victim = sim.node(victimIndex).name;
      const { firstSuspicionMs, verdicts } = crashAndWatch(sim, victimIndex, () => sim.crash(victimIndex));
      expect(verdicts.size, `live nodes that declared ${victim} failed ${hint}`).toBe(
        sim.runningIndices().length,
      );
      const times = [...verdicts.values()];
      expect(Math.min(...times) - firstSuspicionMs, `first verdict ${hint}`).toBe(REFUSED_MS);
      expect(Math.max(...times) - firstSuspicionMs, `last verdict ${hint}`).toBeLessThanOrEqual(
        REFUSED_MS + slackMs,
      );
      sim.runFor(5_000);
    }
    expect(sim.falsePositives, hint).toBe(0);
    sim.assertConverged();
  });

  it("an unreachable node (partitioned, refuses nothing) keeps memberlist's minimum", () => {
    const sim = new Simulator({ seed, createNode: realNodeFactory, testFile: FILE, memberlist: AGENT_LAN });
    formCluster(sim, N, 5_000);
    const victimIndex = 4;
    const others = sim.runningIndices().filter((i) => i !== victimIndex);
    const { firstSuspicionMs, verdicts } = crashAndWatch(sim, victimIndex, () =>
      sim.partition([[victimIndex], others]),
    );
    const fromOthers = others.map((i) => verdicts.get(sim.node(i).name));
    expect(
      fromOthers.every((t) => t !== undefined),
      `verdicts ${hint}`,
    ).toBe(true);
    expect(
      Math.min(...(fromOthers as number[])) - firstSuspicionMs,
      `first verdict ${hint}`,
    ).toBeGreaterThanOrEqual(MIN_MS);
  });
});

/**
 * Runs `fail` on `victimIndex` and the simulation until every other running node declared it
 * failed (or the max bound passed): the first suspicion of it and each node's verdict time.
 */
function crashAndWatch(
  sim: Simulator,
  victimIndex: number,
  fail: () => void,
): { firstSuspicionMs: number; verdicts: Map<string, number> } {
  const victim = sim.node(victimIndex).name;
  let firstSuspicionMs = Number.POSITIVE_INFINITY;
  const verdicts = new Map<string, number>();
  const off = sim.onEvent(({ node, event, timeMs }) => {
    if (event.kind === "memberSuspected" && event.member.name === victim)
      firstSuspicionMs = Math.min(firstSuspicionMs, timeMs);
    if (event.kind === "memberFailed" && event.member.name === victim && !verdicts.has(sim.node(node).name))
      verdicts.set(sim.node(node).name, timeMs);
  });
  const started = sim.now;
  fail();
  const watchers = sim
    .runningIndices()
    .filter((i) => i !== victimIndex)
    .map((i) => sim.node(i).name);
  sim.runUntilTrue(() => watchers.every((name) => verdicts.has(name)), started + MAX_MS + 30_000);
  off();
  expect(firstSuspicionMs, `nobody suspected ${victim} ${hint}`).toBeLessThan(Number.POSITIVE_INFINITY);
  return { firstSuspicionMs, verdicts };
}
