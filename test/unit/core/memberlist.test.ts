import { describe, expect, it } from "vitest";

import { decodePacket, encodePacket } from "../../../src/swim/codec/packet.js";
import { encodeMessage } from "../../../src/swim/codec/memberlist-messages.js";
import { encodeStreamMessage, decodeStreamMessage } from "../../../src/swim/codec/stream.js";
import { lanConfig, localConfig } from "../../../src/swim/core/config.js";
import type { MemberlistConfig } from "../../../src/swim/core/config.js";
import { Harness } from "./harness.js";

const SEED = Number(process.env["TEST_SEED"] ?? 20261123);

/** LAN timing without push/pull noise unless a test wants it. */
function cfg(overrides: Partial<MemberlistConfig> = {}): MemberlistConfig {
  return { ...lanConfig(), pushPullIntervalMs: 0, ...overrides };
}

function cluster(names: string[], config: MemberlistConfig = cfg()): Harness {
  const h = new Harness(SEED);
  for (const n of names) h.add(n, config);
  h.joinAll(names[0]!);
  return h;
}

describe(`Memberlist (seed ${SEED}; set TEST_SEED to replay)`, () => {
  it("joins through a seed and converges; notifyJoin fires for everyone, self included", () => {
    const h = cluster(["a", "b", "c", "d"]);
    h.runFor(3_000);
    for (const viewer of ["a", "b", "c", "d"]) {
      for (const about of ["a", "b", "c", "d"]) expect(h.stateOf(viewer, about)).toBe("alive");
      expect(new Set(h.node(viewer).delegate.joins)).toEqual(new Set(["a", "b", "c", "d"]));
    }
    const joined = h.eventsOf("b", "joinCompleted");
    expect(joined).toEqual([{ kind: "joinCompleted", contacted: 1, failed: [] }]);
    // User state went both ways.
    expect(h.node("a").delegate.merged.length).toBeGreaterThanOrEqual(3);
  });

  it("gossips news at once, at most one such round per gossip interval", () => {
    const h = cluster(["a", "b", "c", "d"]);
    h.runFor(3_000);
    const a = h.node("a").ml;
    const before = a.stats.gossipPackets;
    // updateNode queues an alive with a new incarnation: news to send.
    h.act("a", (ml) => {
      ml.updateNode(h.nowMs);
      ml.gossipNews(h.nowMs);
    });
    expect(a.stats.gossipPackets - before).toBe(3);
    h.act("a", (ml) => {
      ml.updateNode(h.nowMs);
      ml.gossipNews(h.nowMs);
    });
    // The second waits for the regular tick: a burst costs no more packets than the ticker.
    expect(a.stats.gossipPackets - before).toBe(3);
  });

  it("join is refused on incompatible protocol versions and on a merge veto", () => {
    const h = new Harness(SEED);
    h.add("a", cfg({ protocolMin: 3, protocolVersion: 3 }));
    h.add("b", cfg());
    h.act("b", (ml) => ml.join([h.node("a").address], h.nowMs));
    h.runFor(50);
    expect(h.eventsOf("b", "joinCompleted")[0]?.contacted).toBe(0);
    expect(h.node("b").ml.node("a")).toBeUndefined();

    const v = new Harness(SEED);
    v.add("a", cfg());
    v.add("b", cfg());
    v.node("a").delegate.notifyMerge = () => "names not allowed";
    v.act("b", (ml) => ml.join([v.node("a").address], v.nowMs));
    v.runFor(50);
    // a vetoed b's state, but b merged a's answer.
    expect(v.node("a").ml.node("b")).toBeUndefined();
    expect(v.node("b").ml.node("a")?.state).toBe("alive");
  });

  it("join to an unreachable seed reports it as failed", () => {
    const h = new Harness(SEED);
    h.add("a", cfg());
    h.act("a", (ml) => ml.join([{ host: "10.9.9.9", port: 7946 }], h.nowMs));
    h.runFor(100);
    expect(h.eventsOf("a", "joinCompleted")).toEqual([
      { kind: "joinCompleted", contacted: 0, failed: [{ host: "10.9.9.9", port: 7946 }] },
    ]);
  });

  it("join skips the node's own address: reaching only itself is no contact", () => {
    // A retry-join list naming every pod (this one too) used to count the push/pull with
    // ourselves as a successful join, so a lone first pod stopped retrying.
    const h = new Harness(SEED);
    h.add("a", cfg());
    h.add("b", cfg());
    const self = h.node("a").address;
    h.act("a", (ml) => ml.join([{ ...self }], h.nowMs));
    h.runFor(100);
    expect(h.eventsOf("a", "joinCompleted")).toEqual([{ kind: "joinCompleted", contacted: 0, failed: [] }]);
    expect(h.node("a").ml.stats.pushPullsInitiated).toBe(0);

    // The same IP spelled differently is still ourselves; another node alongside still counts.
    h.act("a", (ml) => ml.join([{ host: "::ffff:10.0.0.1", port: self.port }], h.nowMs));
    h.act("a", (ml) => ml.join([self, h.node("b").address], h.nowMs));
    h.runFor(100);
    expect(h.eventsOf("a", "joinCompleted").slice(1)).toEqual([
      { kind: "joinCompleted", contacted: 0, failed: [] },
      { kind: "joinCompleted", contacted: 1, failed: [] },
    ]);
    expect(h.stateOf("a", "b")).toBe("alive");
  });

  it("probes succeed with an RTT, the ack payload reaches the delegate, health stays 0", () => {
    const h = cluster(["a", "b", "c"]);
    h.runFor(5_000);
    const probes = h.eventsOf("a", "probeCompleted");
    expect(probes.length).toBeGreaterThanOrEqual(3);
    for (const p of probes) expect(p.rttMs).toBe(2);
    expect(h.node("a").delegate.pings[0]?.payload).toEqual(new Uint8Array([1, 2, 3]));
    expect(h.node("a").ml.healthScore()).toBe(0);
    expect(h.eventsOf("a", "memberSuspected")).toEqual([]);
  });

  it("indirect probes rescue a node this member cannot reach directly", () => {
    const h = cluster(["a", "b", "c"], cfg({ disableTcpPings: true }));
    h.linkBoth("a", "c", { dropUdp: true });
    h.runFor(20_000);
    expect(h.eventsOf("a", "memberSuspected")).toEqual([]);
    expect(h.stateOf("a", "c")).toBe("alive");
    // a did send indirect pings through b.
    const indirect = h
      .node("a")
      .sent.filter((s) => s.directive.kind === "send" && s.directive.to.host === "10.0.0.2");
    expect(
      indirect.some(
        (s) =>
          s.directive.kind === "send" &&
          decodePacket(s.directive.bytes).some((m) => m.kind === "indirectPing"),
      ),
    ).toBe(true);
  });

  it("a dead target: helpers nack, so the prober's health score does not rise; then suspect → dead", () => {
    // Nacks leave the helper ProbeTimeout after the indirect ping, which itself leaves
    // ProbeTimeout into the probe: with memberlist's 500 ms / 1 s they race the deadline, so use
    // a shorter ProbeTimeout to let them arrive in time.
    const h = cluster(["a", "b", "c"], cfg({ disableTcpPings: true, probeTimeoutMs: 200 }));
    h.runFor(2_000);
    h.node("c").paused = true;
    h.runFor(15_000);
    expect(h.stateOf("a", "c")).toBe("dead");
    expect(h.stateOf("b", "c")).toBe("dead");
    const nacksFromB = h
      .node("b")
      .sent.filter(
        (s) =>
          s.directive.kind === "send" && decodePacket(s.directive.bytes).some((m) => m.kind === "nackResp"),
      );
    expect(nacksFromB.length).toBeGreaterThan(0);
    expect(h.eventsOf("a", "healthScoreChanged")).toEqual([]);
  });

  it("without nack-capable helpers (PMax 3) a failed probe raises the health score by 1", () => {
    const h = new Harness(SEED);
    h.add("a", cfg({ disableTcpPings: true }));
    h.add("b", cfg({ disableTcpPings: true, protocolMax: 3 }));
    h.add("c", cfg({ disableTcpPings: true }));
    h.joinAll("a");
    h.runFor(2_000);
    h.node("c").paused = true;
    h.runFor(10_000);
    const scores = h.eventsOf("a", "healthScoreChanged").map((e) => e.score);
    expect(scores[0]).toBe(1);
  });

  it("a degraded health score stretches the probe deadline: suspicion comes (score+1) intervals after the ping", () => {
    const h = cluster(["a", "c"], cfg({ disableTcpPings: true }));
    h.runFor(1_500);
    h.node("a").ml.awareness.applyDelta(1);
    h.node("c").paused = true;
    h.runFor(4_000);
    const a = h.node("a");
    const suspectIndex = a.sent.findIndex(
      (s) => s.directive.kind === "event" && s.directive.event.kind === "memberSuspected",
    );
    expect(suspectIndex).toBeGreaterThan(0);
    const pingAt = a.sent
      .slice(0, suspectIndex)
      .filter(
        (s) =>
          s.directive.kind === "send" &&
          s.directive.to.host === "10.0.0.2" &&
          decodePacket(s.directive.bytes).some((m) => m.kind === "ping"),
      )
      .at(-1)?.atMs;
    expect(a.sent[suspectIndex]!.atMs - pingAt!).toBe(2_000);
    // No helpers at all: a failed probe counts +1.
    expect(a.ml.healthScore()).toBe(2);
  });

  it("TCP fallback: UDP blocked but TCP works → no suspicion, tcpOnlyReachable", () => {
    const h = cluster(["a", "b", "c"]);
    h.linkBoth("a", "c", { dropUdp: true });
    h.linkBoth("b", "c", { dropUdp: true });
    h.runFor(15_000);
    expect(h.eventsOf("a", "tcpOnlyReachable").map((e) => e.node)).toContain("c");
    expect(h.eventsOf("a", "memberSuspected")).toEqual([]);
    expect(h.stateOf("a", "c")).toBe("alive");
    const dialled = h.node("a").sent.filter((s) => s.directive.kind === "dial");
    expect(dialled.length).toBeGreaterThan(0);
  });

  it("TCP fallback disabled: the same network suspects the node", () => {
    const h = cluster(["a", "b", "c"], cfg({ disableTcpPings: true }));
    h.linkBoth("a", "c", { dropUdp: true });
    h.linkBoth("b", "c", { dropUdp: true });
    h.runFor(15_000);
    expect(h.eventsOf("a", "memberSuspected").map((e) => e.member.name)).toContain("c");
  });

  it("buddy system: a suspect target gets [ping, suspect] and refutes at once", () => {
    const h = cluster(["a", "b", "c"]);
    h.runFor(1_000);
    // Make a alone suspect b (b never hears the gossip: drop a → b and c → b UDP for a moment).
    h.link("a", "b", { dropUdp: true });
    h.link("c", "b", { dropUdp: true });
    const incBefore = h.node("b").ml.localNode().incarnation;
    h.act("a", (ml) =>
      ml.onPacket(
        { host: "10.0.0.3", port: 7946 },
        encodePacket([encodeMessage({ kind: "suspect", incarnation: incBefore, node: "b", from: "c" })], {
          compress: false,
          crc: false,
        }),
        h.nowMs,
      ),
    );
    expect(h.stateOf("a", "b")).toBe("suspect");
    // Run until a probes b: the probe packet is a compound with ping + suspect.
    h.runFor(3_000);
    const buddy = h.node("a").sent.find(
      (s) =>
        s.directive.kind === "send" &&
        s.directive.to.host === "10.0.0.2" &&
        decodePacket(s.directive.bytes)
          .map((m) => m.kind)
          .join(",") === "ping,suspect",
    );
    expect(buddy).toBeDefined();
    // Deliver it: b learns it is suspected from the probe itself and refutes.
    h.link("a", "b", {});
    h.link("c", "b", {});
    if (buddy?.directive.kind === "send") {
      const bytes = buddy.directive.bytes;
      h.act("b", (ml) => ml.onPacket(h.node("a").address, bytes, h.nowMs));
    }
    expect(h.eventsOf("b", "refuted").length).toBeGreaterThan(0);
    h.runFor(5_000);
    expect(h.eventsOf("b", "refuted").length).toBeGreaterThan(0);
    expect(h.node("b").ml.localNode().incarnation).toBeGreaterThan(incBefore);
    expect(h.stateOf("a", "b")).toBe("alive");
    expect(h.node("b").ml.healthScore()).toBeGreaterThanOrEqual(0);
  });

  it("refutation spreads: everyone keeps the accused alive at a higher incarnation", () => {
    const h = cluster(["a", "b", "c", "d"]);
    h.runFor(1_000);
    h.act("a", (ml) =>
      ml.onPacket(
        { host: "10.0.0.2", port: 7946 },
        encodePacket([encodeMessage({ kind: "dead", incarnation: 1, node: "d", from: "b" })], {
          compress: false,
          crc: false,
        }),
        h.nowMs,
      ),
    );
    expect(h.stateOf("a", "d")).toBe("dead");
    h.runFor(10_000);
    for (const v of ["a", "b", "c"]) expect(h.stateOf(v, "d")).toBe("alive");
    expect(h.eventsOf("d", "refuted")).toHaveLength(1);
    expect(h.eventsOf("d", "healthScoreChanged")[0]?.score).toBe(1);
    expect(h.node("a").ml.node("d")!.incarnation).toBe(2);
  });

  it("graceful leave: others see left, the leaver gets leaveCompleted", () => {
    const h = cluster(["a", "b", "c"]);
    h.runFor(2_000);
    h.act("c", (ml) => ml.leave(h.nowMs));
    h.runFor(3_000);
    expect(h.stateOf("a", "c")).toBe("left");
    expect(h.stateOf("b", "c")).toBe("left");
    expect(h.node("a").delegate.leaves).toContainEqual({ name: "c", state: "left" });
    expect(h.eventsOf("c", "leaveCompleted")).toHaveLength(1);
  });

  it("leave completes after leaveTimeoutMs when the broadcast cannot finish", () => {
    const h = cluster(["a", "b"], cfg({ leaveTimeoutMs: 2_000, gossipIntervalMs: 0 }));
    h.runFor(500);
    h.node("b").paused = true;
    h.act("a", (ml) => ml.leave(h.nowMs));
    h.runFor(1_900);
    expect(h.eventsOf("a", "leaveCompleted")).toHaveLength(0);
    h.runFor(200);
    expect(h.eventsOf("a", "leaveCompleted")).toHaveLength(1);
  });

  it("a long event-loop stall raises the health score (onLocalDelay), once per probe interval", () => {
    const h = cluster(["a"]);
    h.act("a", (ml) => ml.onLocalDelay(50, h.nowMs));
    h.act("a", (ml) => ml.onLocalDelay(800, h.nowMs));
    h.act("a", (ml) => ml.onLocalDelay(800, h.nowMs + 10));
    expect(h.eventsOf("a", "healthScoreChanged").map((e) => e.score)).toEqual([1]);
    expect(h.node("a").ml.healthScore()).toBe(1);
  });

  it("leave alone completes at once", () => {
    const h = new Harness(SEED);
    h.add("solo", cfg());
    h.act("solo", (ml) => ml.leave(h.nowMs));
    expect(h.eventsOf("solo", "leaveCompleted")).toHaveLength(1);
  });

  it("dead nodes get gossip for gossipToTheDeadTime, then are reaped at the probe wrap-around", () => {
    const h = cluster(["a", "b", "c"], cfg({ disableTcpPings: true, gossipToTheDeadTimeMs: 30_000 }));
    h.runFor(2_000);
    h.node("c").paused = true;
    h.runFor(30_000);
    expect(h.stateOf("a", "c")).toBe("dead");
    const deadAt = h.node("a").ml.node("c")!.stateChangeMs;
    expect(h.node("a").ml.numMembers()).toBe(3);
    // While recently dead, c still gets gossip (so it could hear it was declared dead).
    const early = h
      .node("a")
      .sent.filter(
        (s) => s.atMs >= deadAt && s.directive.kind === "send" && s.directive.to.host === "10.0.0.3",
      );
    expect(early.length).toBeGreaterThan(0);
    h.runUntil(deadAt + 31_000 + 5_000);
    expect(h.node("a").ml.node("c")).toBeUndefined();
    expect(h.node("a").ml.numMembers()).toBe(2);
    // No gossip to c after the window (a dead node in the list, not reaped, is gossiped to).
    const late = h
      .node("a")
      .sent.filter(
        (s) => s.atMs > deadAt + 30_001 && s.directive.kind === "send" && s.directive.to.host === "10.0.0.3",
      );
    expect(late).toEqual([]);
  });

  it("meta updates (updateNode) reach peers as notifyUpdate", () => {
    const h = cluster(["a", "b", "c"]);
    h.runFor(1_000);
    h.node("b").delegate.meta = new Uint8Array([0xff, 0x81, 0xa1, 0x6b, 0xa1, 0x76]);
    h.act("b", (ml) => ml.updateNode(h.nowMs));
    h.runFor(2_000);
    expect(h.node("a").delegate.updates).toContain("b");
    expect(h.node("a").ml.node("b")!.meta).toEqual(h.node("b").delegate.meta);
  });

  it("user messages: gossiped delegate broadcasts and sendToAddress reach notifyMsg", () => {
    const h = cluster(["a", "b", "c"]);
    h.runFor(1_000);
    h.node("a").delegate.pending = [new Uint8Array([3, 0x80]), new Uint8Array([3, 0x81])];
    h.act("a", (ml) => ml.sendToAddress(h.node("c").address, new Uint8Array([5, 1, 2])));
    h.runFor(1_000);
    const all = [...h.node("b").delegate.messages, ...h.node("c").delegate.messages].map((m) =>
      Array.from(m).join(","),
    );
    expect(all).toContain("3,128");
    expect(all).toContain("3,129");
    expect(h.node("c").delegate.messages.map((m) => Array.from(m).join(","))).toContain("5,1,2");
  });

  it("sendReliable carries a user message over a stream", () => {
    const h = cluster(["a", "b"]);
    h.act("a", (ml) => ml.sendReliable(h.node("b").address, new Uint8Array(5000).fill(7)));
    h.runFor(10);
    const got = h.node("b").delegate.messages.find((m) => m.length === 5000);
    expect(got?.every((x) => x === 7)).toBe(true);
  });

  it("answers pings only for its own name (or none), to SourceAddr:SourcePort when given", () => {
    const h = cluster(["a", "b"]);
    const b = h.node("b");
    const ping = (node: string, src?: number) =>
      encodePacket(
        [
          encodeMessage(
            src === undefined
              ? { kind: "ping", seqNo: 77, node }
              : {
                  kind: "ping",
                  seqNo: 77,
                  node,
                  sourceAddr: Uint8Array.from([10, 0, 0, src]),
                  sourcePort: 9000,
                  sourceNode: "x",
                },
          ),
        ],
        { compress: false, crc: false },
      );
    const from = { host: "10.0.0.50", port: 1234 };
    const acksTo = (): string[] =>
      b.ml
        .drain()
        .filter(
          (d) =>
            d.kind === "send" && decodePacket(d.bytes).some((m) => m.kind === "ackResp" && m.seqNo === 77),
        )
        .map((d) => (d.kind === "send" ? `${d.to.host}:${d.to.port}` : ""));
    b.ml.drain();
    b.ml.onPacket(from, ping("someone-else"), h.nowMs);
    expect(acksTo()).toEqual([]);
    b.ml.onPacket(from, ping(""), h.nowMs);
    expect(acksTo()).toEqual(["10.0.0.50:1234"]);
    b.ml.onPacket(from, ping("b", 60), h.nowMs);
    expect(acksTo()).toEqual(["10.0.0.60:9000"]);
  });

  it("malformed packets and streams are counted and reported, never thrown", () => {
    const h = cluster(["a", "b"]);
    const a = h.node("a");
    a.ml.drain();
    const from = { host: "10.0.0.2", port: 7946 };
    expect(() => a.ml.onPacket(from, new Uint8Array([0xde, 0xad]), h.nowMs)).not.toThrow();
    expect(() => a.ml.onPacket(from, new Uint8Array([]), h.nowMs)).not.toThrow();
    expect(() => a.ml.onPacket(from, new Uint8Array([4, 0x81, 0xa4]), h.nowMs)).not.toThrow();
    expect(() => a.ml.onStream(5, from, new Uint8Array([6, 0xc1]), h.nowMs)).not.toThrow();
    const out = a.ml.drain();
    expect(out.filter((d) => d.kind === "event" && d.event.kind === "decodeFailed")).toHaveLength(4);
    expect(a.ml.stats.decodeFailures).toBe(4);
    const reply = out.find((d) => d.kind === "reply");
    expect(reply !== undefined && reply.kind === "reply" && decodeStreamMessage(reply.bytes).kind).toBe(
      "err",
    );
  });

  it("serves a TCP ping on a stream with an ack carrying the same SeqNo", () => {
    const h = cluster(["a"]);
    const a = h.node("a");
    a.ml.drain();
    a.ml.onStream(
      9,
      { host: "10.0.0.9", port: 1 },
      encodeStreamMessage({ kind: "ping", seqNo: 4242, node: "a" }, { compress: true }),
      h.nowMs,
    );
    const [reply] = a.ml.drain();
    expect(reply?.kind).toBe("reply");
    if (reply?.kind === "reply")
      expect(decodeStreamMessage(reply.bytes)).toMatchObject({ kind: "ackResp", seqNo: 4242 });
  });

  it("periodic push/pull repairs a view that missed gossip (remote dead merges as suspect)", () => {
    const h = cluster(["a", "b", "c"], { ...localConfig(), pushPullIntervalMs: 2_000 });
    h.runFor(1_000);
    // b learns of a node x that a never heard of.
    h.act("b", (ml) =>
      ml.onPacket(
        { host: "10.0.0.1", port: 7946 },
        encodePacket(
          [
            encodeMessage({
              kind: "alive",
              incarnation: 1,
              node: "x",
              addr: Uint8Array.from([10, 0, 0, 99]),
              port: 7946,
              meta: new Uint8Array(),
              vsn: Uint8Array.from([1, 5, 2, 0, 0, 0]),
            }),
          ],
          { compress: false, crc: false },
        ),
        h.nowMs,
      ),
    );
    h.runFor(8_000);
    // x never answers probes, so by now it is at least suspect everywhere, known to all.
    for (const v of ["a", "b", "c"]) expect(h.node(v).ml.node("x")).toBeDefined();
    expect(h.node("a").ml.stats.pushPullsInitiated + h.node("a").ml.stats.pushPullsServed).toBeGreaterThan(0);
  });

  it("a crash in a 12-node cluster: nobody declares it dead before min, everyone within max", () => {
    const names = Array.from({ length: 12 }, (_, i) => `n${i}`);
    const h = cluster(names, cfg({ disableTcpPings: true }));
    h.runFor(3_000);
    h.node("n5").paused = true;
    h.runFor(60_000);
    // n = 12 (LAN): min = 4 × log10(12) × 1 s = 4316 ms, max = 6 × min; k = 2.
    const minMs = 4 * 1079;
    const maxMs = 6 * minMs;
    const delays: number[] = [];
    const suspectedTimes: number[] = [];
    const deadTimes: number[] = [];
    for (const v of names) {
      if (v === "n5") continue;
      const node = h.node(v);
      const suspectedAt = node.sent.find(
        (s) =>
          s.directive.kind === "event" &&
          s.directive.event.kind === "memberSuspected" &&
          s.directive.event.member.name === "n5",
      )?.atMs;
      const deadAt = node.delegate.leaveTimes.get("n5");
      expect(suspectedAt, `${v} suspected n5`).toBeDefined();
      expect(deadAt, `${v} declared n5 dead`).toBeDefined();
      const delay = deadAt! - suspectedAt!;
      expect(delay).toBeLessThanOrEqual(maxMs);
      delays.push(delay);
      suspectedTimes.push(suspectedAt!);
      deadTimes.push(deadAt!);
    }
    // The first death is a suspicion timer running out (later ones may be gossip of it), and no
    // timer runs out before min.
    expect(Math.min(...deadTimes) - Math.min(...suspectedTimes)).toBeGreaterThanOrEqual(minMs);
    // Independent confirmations pull most timers well below the maximum.
    expect(Math.min(...delays)).toBeLessThan(maxMs / 2);
  });

  it("is deterministic for a seed", () => {
    const run = (): string => {
      const h = cluster(["a", "b", "c"]);
      h.node("c").paused = true;
      h.runFor(20_000);
      return h
        .node("a")
        .sent.map((s) => `${s.atMs}:${s.directive.kind}`)
        .join("|");
    };
    expect(run()).toBe(run());
  });

  it("timer work per tick is O(fanout): the calendar holds a handful of entries", () => {
    const h = cluster(["a", "b", "c", "d", "e"]);
    h.runFor(10_000);
    expect(h.node("a").ml.nextDeadline()).toBeDefined();
  });
});
