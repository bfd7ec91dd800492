/**
 * Two memberlist behaviours the other unit tests only touch at their defaults:
 * - Lifeguard's partial-nack penalty: a failed probe raises the prober's health score by
 *   `expected nacks − received nacks` (memberlist `probeNode`), so helpers that answer "I could
 *   not reach it either" spare the prober, and each missing nack counts against it.
 * - The dedicated gossip ticker: every `gossipIntervalMs`, `gossipNodes` distinct random peers
 *   get a packet of broadcasts, checked with non-default values so a hard-coded 200 ms / 3
 *   would show.
 */
import { describe, expect, it } from "vitest";

import { decodePacket } from "../../../src/swim/codec/packet.js";
import { lanConfig } from "../../../src/swim/core/config.js";
import type { MemberlistConfig } from "../../../src/swim/core/config.js";
import { Harness } from "./harness.js";

const SEED = Number(process.env["TEST_SEED"] ?? 20261124);

function cfg(overrides: Partial<MemberlistConfig> = {}): MemberlistConfig {
  return { ...lanConfig(), pushPullIntervalMs: 0, ...overrides };
}

describe(`Lifeguard and gossip cadence (seed ${SEED}; set TEST_SEED to replay)`, () => {
  it("a failed probe with 3 helpers and 1 nack back raises the health score by 3 − 1 = 2", () => {
    // ProbeTimeout 200 ms so nacks (sent ProbeTimeout after the indirect ping) beat the 1 s
    // probe deadline, as in memberlist.test.ts's all-nacks case (where the score stays 0).
    const config = cfg({ disableTcpPings: true, probeTimeoutMs: 200, indirectChecks: 3 });
    const h = new Harness(SEED);
    for (const name of ["a", "b", "c", "d", "t"]) h.add(name, config);
    h.joinAll("a");
    h.runFor(2_000);
    expect(h.eventsOf("a", "healthScoreChanged")).toEqual([]);

    // t dies. c's and d's datagrams to a are lost, so of the three helpers (b, c, d) only b's
    // nack comes back. a's own probes of c and d still succeed through b's indirect ping, so the
    // only failing probes are those of t.
    h.node("t").paused = true;
    h.link("c", "a", { dropUdp: true });
    h.link("d", "a", { dropUdp: true });
    h.runFor(12_000);

    const a = h.node("a");
    const firstFailure = a.events.findIndex((e) => e.kind === "probeFailed");
    expect(firstFailure).toBeGreaterThanOrEqual(0);
    expect(a.events[firstFailure]).toMatchObject({ kind: "probeFailed", node: "t" });
    const changes = a.events.slice(firstFailure).filter((e) => e.kind === "healthScoreChanged");
    expect(changes[0]).toEqual({ kind: "healthScoreChanged", score: 2 });
    // Every probe failure that raised the score was a probe of t.
    expect(h.eventsOf("a", "probeFailed").every((e) => e.node === "t")).toBe(true);
    // b did nack; c and d sent theirs (lost on the way).
    for (const helper of ["b", "c", "d"]) {
      const nacks = h
        .node(helper)
        .sent.filter(
          (s) =>
            s.directive.kind === "send" &&
            s.directive.to.host === a.address.host &&
            decodePacket(s.directive.bytes).some((m) => m.kind === "nackResp"),
        );
      expect(nacks.length, `nacks from ${helper}`).toBeGreaterThan(0);
    }
  });

  it("dedicated gossip: every gossipIntervalMs, gossipNodes distinct peers get a broadcast packet", () => {
    const intervalMs = 350;
    const fanout = 2;
    // Probing every 60 s keeps probe packets (which carry piggybacked broadcasts too) out of
    // the window; only the gossip ticker sends.
    const config = cfg({ gossipIntervalMs: intervalMs, gossipNodes: fanout, probeIntervalMs: 60_000 });
    const h = new Harness(SEED);
    const names = ["a", "b", "c", "d", "e", "f"];
    for (const name of names) h.add(name, config);
    h.joinAll("a");
    h.runFor(5_000); // the join broadcasts drain
    const a = h.node("a");
    // An endless supply of delegate broadcasts, so every round has something to say.
    a.delegate.hasBroadcasts = () => true;
    a.delegate.getBroadcasts = () => [new Uint8Array([0x42])];
    const from = h.nowMs;
    const sentBefore = a.sent.length;
    h.runFor(10 * intervalMs + 1);

    const byHost = new Map(names.map((n) => [h.node(n).address.host, n]));
    const rounds = new Map<number, string[]>();
    for (const { atMs, directive } of a.sent.slice(sentBefore)) {
      if (directive.kind !== "send") continue;
      const messages = decodePacket(directive.bytes);
      expect(messages.map((m) => m.kind)).toContain("user");
      if (messages.some((m) => m.kind === "ping" || m.kind === "ackResp")) continue;
      const list = rounds.get(atMs) ?? [];
      list.push(byHost.get(directive.to.host) ?? directive.to.host);
      rounds.set(atMs, list);
    }
    const times = [...rounds.keys()].sort((x, y) => x - y);
    expect(times.length).toBeGreaterThanOrEqual(10);
    expect(times[0]! - from).toBeLessThanOrEqual(intervalMs);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBe(intervalMs);
    const targets = new Set<string>();
    for (const peers of rounds.values()) {
      expect(peers).toHaveLength(fanout);
      expect(new Set(peers).size).toBe(fanout);
      expect(peers).not.toContain("a");
      for (const p of peers) targets.add(p);
    }
    // Random peers, not a fixed pair.
    expect(targets.size).toBeGreaterThan(fanout);
  });
});
