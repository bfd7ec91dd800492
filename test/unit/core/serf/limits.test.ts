/**
 * The Serf layer's receive-side limits on the real core (memberlist + Serf in the seeded
 * simulator): an alive or push/pull member with tags over 512 bytes, a name against the node
 * name rules or a malformed address is refused (an `inputRefused` event naming the limit and
 * the sender), creates and updates nothing, and is not re-gossiped; a join push/pull with one
 * such member is refused whole, as memberlist refuses a vetoed merge; user events, queries and
 * query responses over their configured limits are dropped on receipt.
 */
import { describe, expect, it } from "vitest";
import { sameAddress } from "../../../../src/swim/core/address.js";
import type { Address, Directive, SwimEvent } from "../../../../src/swim/core/api.js";
import { encodePacketMessages } from "../../../../src/swim/codec/packet.js";
import { encodeSerfMessage } from "../../../../src/swim/codec/serf-messages.js";
import { encodeStreamMessage } from "../../../../src/swim/codec/stream.js";
import { encodeTags } from "../../../../src/swim/codec/tags.js";
import type { Alive, PushNodeState, SerfMessage } from "../../../../src/swim/codec/types.js";
import { NodeState } from "../../../../src/swim/codec/types.js";
import { cluster, type Cluster } from "./cluster.js";

const SEED = Number(process.env["TEST_SEED"] ?? 808);
const VSN = Uint8Array.from([1, 5, 2, 2, 5, 5]);
/** A sender outside the simulated network: its packets are handed to the victim directly. */
const ATTACKER: Address = { host: "10.99.0.1", port: 7946 };
const IP = Uint8Array.from([10, 99, 0, 2]);

const alive = (overrides: Partial<Alive> = {}): Alive => ({
  kind: "alive",
  incarnation: 1,
  node: "intruder",
  addr: IP,
  port: 7946,
  meta: encodeTags({ role: "x" }),
  vsn: VSN,
  ...overrides,
});

const member = (overrides: Partial<PushNodeState> = {}): PushNodeState => ({
  name: "intruder",
  addr: IP,
  port: 7946,
  meta: encodeTags({}),
  incarnation: 1,
  state: NodeState.alive,
  vsn: VSN,
  ...overrides,
});

const packet = (...messages: Parameters<typeof encodePacketMessages>[0]): Uint8Array =>
  encodePacketMessages(messages, { compress: false, crc: false });
const serfPacket = (msg: SerfMessage): Uint8Array =>
  packet({ kind: "user", payload: encodeSerfMessage(msg) });

const eventsIn = (directives: readonly Directive[]): SwimEvent[] =>
  directives.flatMap((d) => (d.kind === "event" ? [d.event] : []));
const refusals = (directives: readonly Directive[]) =>
  eventsIn(directives).filter(
    (e): e is Extract<SwimEvent, { kind: "inputRefused" }> => e.kind === "inputRefused",
  );

/**
 * Hands the packets in `directives` (returned by a direct call on node `from`'s core, which
 * the simulator never sees) to the simulated nodes they are addressed to.
 */
function deliverSends(c: Cluster, from: number, directives: readonly Directive[]): void {
  for (const d of directives) {
    if (d.kind !== "send") continue;
    const to = c.sim.allNodes().find((n) => sameAddress(n.address, d.to));
    if (to !== undefined) c.node(to.index).onPacket(c.sim.node(from).address, d.bytes, c.sim.now);
  }
}

/** A settled 3-node cluster; node 0 is the victim. */
function settled(): Cluster {
  return cluster(3, { seed: SEED }, 3_000);
}

const names = (c: Cluster, i: number): string[] =>
  c
    .node(i)
    .members()
    .map((m) => m.name)
    .sort();

describe(`alive messages breaking a member limit (seed ${SEED}; TEST_SEED replays)`, () => {
  const cases: [string, Partial<Alive>, string, RegExp][] = [
    [
      "3,000 bytes of tags",
      { meta: new Uint8Array(3_000).fill(1) },
      "tagsTooLarge",
      /3000 bytes, over the limit of 512/,
    ],
    ["a name with a space and an accent", { node: "bad name!é" }, "invalidNodeName", /letters, digits/],
    [
      "a 300-character name",
      { node: "n".repeat(300) },
      "invalidNodeName",
      /300 characters; the limit is 128/,
    ],
    ["a 5-byte address", { addr: Uint8Array.from([1, 2, 3, 4, 5]) }, "invalidAddress", /4- or 16-byte IP/],
  ];
  for (const [what, overrides, limit, reason] of cases) {
    it(`refuses ${what}: no member anywhere, counted once, sender named`, () => {
      const c = settled();
      const out = c.node(0).onPacket(ATTACKER, packet(alive(overrides)), c.sim.now);
      expect(refusals(out)).toEqual([
        expect.objectContaining({ limit, reason: expect.stringMatching(reason), from: ATTACKER }),
      ]);
      c.sim.runFor(5_000);
      // Not created on the victim, and never re-gossiped to the others.
      for (let i = 0; i < 3; i++) expect(names(c, i)).toEqual([c.name(0), c.name(1), c.name(2)].sort());
    });
  }

  it("a refused update leaves a known member as it was; a valid one is accepted (control)", () => {
    const c = settled();
    const ok = c.node(0).onPacket(ATTACKER, packet(alive()), c.sim.now);
    expect(refusals(ok)).toEqual([]);
    expect(eventsIn(ok).map((e) => e.kind)).toContain("memberJoined");
    // News in a quiet cluster is relayed at once: those packets are in `ok`.
    deliverSends(c, 0, ok);
    const bigger = alive({ incarnation: 2, meta: new Uint8Array(513).fill(7) });
    const out = c.node(0).onPacket(ATTACKER, packet(bigger), c.sim.now);
    expect(refusals(out).map((e) => e.limit)).toEqual(["tagsTooLarge"]);
    expect(eventsIn(out).map((e) => e.kind)).not.toContain("memberUpdated");
    expect(c.view(0, "intruder")).toMatchObject({ tags: { role: "x" }, incarnation: 1 });
    // The valid alive spreads to the others; the refused update does not.
    expect(out.filter((d) => d.kind === "send")).toEqual([]);
    c.sim.runFor(3_000);
    expect(c.view(2, "intruder")).toMatchObject({ tags: { role: "x" }, incarnation: 1 });
  });
});

describe("push/pull merges", () => {
  const badTags = member({ name: "bad-tags", meta: new Uint8Array(600) });

  it("a join push/pull with one bad member is refused whole (memberlist's merge veto)", () => {
    const c = settled();
    const join = encodeStreamMessage(
      { kind: "pushPull", join: true, nodes: [member(), badTags], userState: new Uint8Array() },
      { compress: false },
    );
    const out = c.node(0).onStream(9_001, ATTACKER, join, c.sim.now);
    expect(out.some((d) => d.kind === "reply")).toBe(true); // the listener answers first, as memberlist
    expect(refusals(out)).toEqual([
      expect.objectContaining({ limit: "tagsTooLarge", node: "bad-tags", from: ATTACKER }),
    ]);
    expect(refusals(out)[0]?.reason).toMatch(/^push\/pull refused: /);
    expect(names(c, 0)).not.toContain("intruder"); // not even the valid member merged
  });

  it("a periodic push/pull merges the valid members and refuses each bad one", () => {
    const c = settled();
    const badName = member({ name: "under_score" });
    const sync = encodeStreamMessage(
      { kind: "pushPull", join: false, nodes: [member(), badTags, badName], userState: new Uint8Array() },
      { compress: false },
    );
    const out = c.node(0).onStream(9_002, ATTACKER, sync, c.sim.now);
    expect(refusals(out).map((e) => [e.limit, e.node])).toEqual([
      ["tagsTooLarge", "bad-tags"],
      ["invalidNodeName", "under_score"],
    ]);
    expect(names(c, 0)).toContain("intruder");
    expect(names(c, 0)).not.toContain("bad-tags");
    expect(names(c, 0)).not.toContain("under_score");
  });

  it("our join fails when the seed's answer carries a bad member", () => {
    const c = settled();
    const seed: Address = { host: "10.99.0.3", port: 7946 };
    const dial = c
      .node(0)
      .join([seed], c.sim.now)
      .find((d) => d.kind === "dial");
    expect(dial).toBeDefined();
    // memberlist's listener echoes the request's Join flag in its answer.
    const answer = encodeStreamMessage(
      { kind: "pushPull", join: true, nodes: [member(), badTags], userState: new Uint8Array() },
      { compress: false },
    );
    const out = c.node(0).onStreamReply((dial as { streamId: number }).streamId, answer, c.sim.now);
    expect(refusals(out).map((e) => e.limit)).toEqual(["tagsTooLarge"]);
    expect(refusals(out)[0]?.from).toBeUndefined(); // the answer to our dial: no packet sender
    expect(eventsIn(out)).toContainEqual({ kind: "joinCompleted", contacted: 0, failed: [seed] });
    expect(names(c, 0)).not.toContain("intruder");
  });
});

describe("user events, queries and responses over their limits", () => {
  const query = (payloadBytes: number): SerfMessage => ({
    kind: "query",
    lTime: 50,
    id: 77,
    addr: IP,
    port: 7946,
    sourceNode: "intruder",
    filters: [],
    flags: 0,
    relayFactor: 0,
    timeoutNs: 1e9,
    name: "q",
    payload: new Uint8Array(payloadBytes),
  });

  it("drops an 8,000-byte user event on receipt: not delivered, not re-gossiped", () => {
    const c = settled();
    const big = {
      kind: "userEvent",
      lTime: 40,
      name: "big",
      payload: new Uint8Array(8_000),
      cc: false,
    } as const;
    const out = c.node(0).onPacket(ATTACKER, serfPacket(big), c.sim.now);
    expect(refusals(out)).toEqual([
      expect.objectContaining({
        limit: "userEventTooLarge",
        from: ATTACKER,
        reason: expect.stringMatching(/over the limit of 512/),
      }),
    ]);
    c.sim.runFor(3_000);
    for (let i = 0; i < 3; i++) expect(c.eventsOf(i, "userEventReceived")).toEqual([]);
    // The same event within the limit is delivered (control).
    const small = { ...big, name: "small", payload: new Uint8Array(100) };
    expect(eventsIn(c.node(0).onPacket(ATTACKER, serfPacket(small), c.sim.now)).map((e) => e.kind)).toContain(
      "userEventReceived",
    );
  });

  it("drops a query over 1,024 bytes and a response over 1,024 bytes; a configured limit applies", () => {
    const c = settled();
    const out = c.node(0).onPacket(ATTACKER, serfPacket(query(2_000)), c.sim.now);
    expect(refusals(out).map((e) => e.limit)).toEqual(["queryTooLarge"]);
    expect(eventsIn(out).map((e) => e.kind)).not.toContain("queryReceived");
    const response: SerfMessage = {
      kind: "queryResponse",
      lTime: 1,
      id: 1,
      from: "x",
      flags: 0,
      payload: new Uint8Array(2_000),
    };
    expect(
      refusals(c.node(0).onPacket(ATTACKER, serfPacket(response), c.sim.now)).map((e) => e.limit),
    ).toEqual(["queryResponseTooLarge"]);
    // A node configured with a larger query limit accepts the same query.
    const roomy = cluster(1, { seed: SEED, serf: { querySizeLimit: 4_096 } }, 100);
    const accepted = roomy.node(0).onPacket(ATTACKER, serfPacket(query(2_000)), roomy.sim.now);
    expect(refusals(accepted)).toEqual([]);
    expect(eventsIn(accepted).map((e) => e.kind)).toContain("queryReceived");
  });

  it("skips an oversized event in a push/pull's event history, and merges the rest", () => {
    const c = settled();
    const userState = encodeSerfMessage({
      kind: "pushPull",
      lTime: 1,
      statusLTimes: new Map(),
      leftMembers: [],
      eventLTime: 100,
      events: [
        { lTime: 90, events: [{ name: "huge", payload: new Uint8Array(1_000) }] },
        { lTime: 91, events: [{ name: "fine", payload: new Uint8Array(10) }] },
      ],
      queryLTime: 1,
    });
    const sync = encodeStreamMessage(
      { kind: "pushPull", join: false, nodes: [], userState },
      { compress: false },
    );
    const out = c.node(0).onStream(9_003, ATTACKER, sync, c.sim.now);
    expect(refusals(out).map((e) => e.limit)).toEqual(["userEventTooLarge"]);
    expect(
      eventsIn(out)
        .filter((e) => e.kind === "userEventReceived")
        .map((e) => (e as { name: string }).name),
    ).toEqual(["fine"]);
  });
});
