/**
 * The Serf layer at 50 LAN nodes, on the real core: a join storm where everyone sees everyone
 * alive, then a user event, a tag change, a query answered by all, a graceful leave (everyone
 * sees `left`, nobody `failed`), and a crash (everyone sees `failed`, then the member is
 * reaped after the reconnect timeout, shortened here to 60 s), all without a false failure.
 */
import { describe, expect, it } from "vitest";
import type { SwimEvent } from "../../src/swim/core/api.js";
import { createSwimNode } from "../../src/swim/core/node.js";
import { formCluster } from "../../src/swim/sim/convergence.js";
import type { NodeFactory } from "../../src/swim/sim/simulator.js";
import { Simulator } from "../../src/swim/sim/simulator.js";
import { replayHint, simSeed } from "./sim-seed.js";

const FILE = "test/sim/serf.test.ts";
const seed = simSeed(11);
const hint = replayHint(seed, FILE);
const N = 50;

const REAP_AFTER_MS = 60_000;
const factory: NodeFactory = (a) =>
  createSwimNode({
    name: a.name,
    advertise: a.advertise,
    memberlist: a.memberlist,
    rng: a.rng,
    nowMs: a.nowMs,
    tags: a.tags,
    serf: { reconnectTimeoutMs: REAP_AFTER_MS, tombstoneTimeoutMs: REAP_AFTER_MS, reapIntervalMs: 5_000 },
  });

describe(`the Serf layer on ${N} LAN nodes`, () => {
  it("forms, spreads events, tags and queries, and tells a leave from a crash", () => {
    const sim = new Simulator({ seed, createNode: factory, testFile: FILE, strictFalsePositives: true });
    const first = new Map<string, number>(); // "node|kind|subject" -> first time
    sim.onEvent(({ node, event, timeMs }) => {
      const e: SwimEvent = event;
      const subject = "member" in e ? e.member.name : "name" in e ? e.name : "";
      const key = `${node}|${e.kind}|${subject}`;
      if (!first.has(key)) first.set(key, timeMs);
    });
    const allRunning = (): number[] => sim.runningIndices();
    const everyoneSaw = (kind: SwimEvent["kind"], subject: string, who = allRunning()): boolean =>
      who.every((i) => first.has(`${i}|${kind}|${subject}`));
    const lastSeen = (kind: SwimEvent["kind"], subject: string, who: number[]): number =>
      Math.max(...who.map((i) => first.get(`${i}|${kind}|${subject}`) ?? Infinity));

    // Join storm: 49 nodes join node 0 within 100 ms.
    const stormStart = sim.now;
    formCluster(sim, N, 5_000);
    for (const i of allRunning()) {
      const alive = sim
        .node(i)
        .core.members()
        .filter((m) => m.status === "alive");
      expect(alive.length, `node ${i} sees ${alive.length} alive ${hint}`).toBe(N);
    }
    const lastJoiner = sim.node(N - 1).name;
    const formedMs =
      lastSeen(
        "memberJoined",
        lastJoiner,
        allRunning().filter((i) => i !== N - 1),
      ) - stormStart;

    // A user event near the largest Serf sends (506 of 512 B encoded) reaches everyone once.
    let t0 = sim.now;
    sim.userEvent(7, "deploy", new Uint8Array(470).fill(120));
    sim.runUntilTrue(() => everyoneSaw("userEventReceived", "deploy"), t0 + 10_000, 50);
    expect(everyoneSaw("userEventReceived", "deploy"), `event did not reach everyone ${hint}`).toBe(true);
    const eventMs = lastSeen("userEventReceived", "deploy", allRunning()) - t0;

    // A tag change reaches everyone.
    t0 = sim.now;
    const tagsFrom = t0;
    sim.setTags(9, { role: "db" });
    const tagged = (): boolean =>
      allRunning().every(
        (i) =>
          sim
            .node(i)
            .core.members()
            .find((m) => m.name === sim.node(9).name)?.tags["role"] === "db",
      );
    const taggedAt = sim.runUntilTrue(tagged, t0 + 10_000, 50);
    expect(taggedAt, `tags did not propagate ${hint}`).toBeDefined();

    // A query is answered by everyone (each answers when it receives it).
    const responders = new Set<string>();
    const off = sim.onEvent(({ node, event }) => {
      if (event.kind === "queryReceived" && event.name === "who") {
        sim.at(sim.now, () =>
          sim.respond(node, event.id, event.lTime, new TextEncoder().encode(String(node))),
        );
      } else if (event.kind === "queryResponseReceived" && node === 3 && !event.ack) {
        responders.add(event.from);
      }
    });
    t0 = sim.now;
    const queryFrom = t0;
    sim.query(3, { name: "who", payload: new Uint8Array() });
    const answeredAt = sim.runUntilTrue(() => responders.size === N, t0 + 10_000, 50);
    off();
    expect(responders.size, `query answered by ${responders.size} of ${N} ${hint}`).toBe(N);

    // Graceful leave: everyone else sees `left`, nobody `failed`.
    const leaver = sim.node(20).name;
    t0 = sim.now;
    sim.leave(20);
    sim.runUntilTrue(() => first.has(`20|leaveCompleted|`), t0 + 15_000, 50);
    sim.stop(20);
    const others = allRunning();
    sim.runUntilTrue(() => everyoneSaw("memberLeft", leaver, others), sim.now + 10_000, 50);
    expect(everyoneSaw("memberLeft", leaver, others), `not everyone saw ${leaver} leave ${hint}`).toBe(true);
    expect(
      others.filter((i) => first.has(`${i}|memberFailed|${leaver}`)),
      `saw the leaver fail ${hint}`,
    ).toEqual([]);
    const leftMs = lastSeen("memberLeft", leaver, others) - t0;

    // Crash: everyone sees `failed`, then reaps it after the reconnect timeout.
    const victim = sim.node(30).name;
    t0 = sim.now;
    sim.crash(30);
    const live = allRunning();
    sim.runUntilTrue(() => everyoneSaw("memberFailed", victim, live), t0 + 60_000, 100);
    expect(everyoneSaw("memberFailed", victim, live), `not everyone saw ${victim} fail ${hint}`).toBe(true);
    const failedMs = lastSeen("memberFailed", victim, live) - t0;
    sim.runUntilTrue(
      () => everyoneSaw("memberReaped", victim, live),
      t0 + failedMs + REAP_AFTER_MS + 30_000,
      500,
    );
    expect(everyoneSaw("memberReaped", victim, live), `not everyone reaped ${victim} ${hint}`).toBe(true);
    const reapedMs = lastSeen("memberReaped", victim, live) - t0;
    expect(reapedMs).toBeGreaterThan(REAP_AFTER_MS);
    for (const i of live) {
      const names = sim
        .node(i)
        .core.members()
        .map((m) => m.name);
      expect(names, `node ${i} still lists ${victim} ${hint}`).not.toContain(victim);
    }

    expect(sim.falsePositives, `false failure detections ${hint}`).toBe(0);
    console.log(
      `[sim] serf N=${N}: formed ${formedMs.toFixed(0)} ms, 506 B event to all ${eventMs.toFixed(0)} ms, ` +
        `tags ${(taggedAt! - tagsFrom).toFixed(0)} ms, all ${N} answers ${(answeredAt! - queryFrom).toFixed(0)} ms, ` +
        `leave seen ${leftMs.toFixed(0)} ms, crash failed everywhere ${failedMs.toFixed(0)} ms, ` +
        `reaped ${reapedMs.toFixed(0)} ms; false positives ${sim.falsePositives}`,
    );
  });
});
