/**
 * The extension seam: Shoal's own gossip (message type 200) and push/pull state (the
 * `ShoalExtension` key), invisible to real Serf nodes.
 */
import { describe, expect, it } from "vitest";
import { MsgpackReader } from "../../../../src/swim/codec/msgpack-reader.js";
import { serfPushPullStruct } from "../../../../src/swim/codec/serf-messages.js";
import {
  NullableSliceCodec,
  StringMapCodec,
  SliceCodec,
  str,
  u64,
} from "../../../../src/swim/codec/go-types.js";
import { defineStruct } from "../../../../src/swim/codec/struct.js";
import { ShoalError } from "../../../../src/errors.js";
import type { SwimExtension } from "../../../../src/swim/core/node.js";
import { createSwimNode } from "../../../../src/swim/core/node.js";
import { localConfig, lanConfig } from "../../../../src/swim/core/config.js";
import { createRng } from "../../../../src/swim/core/rng.js";
import { defaultSerfConfig } from "../../../../src/swim/core/serf/config.js";
import { Serf } from "../../../../src/swim/core/serf/serf.js";
import { cluster } from "./cluster.js";

/** A recording extension with a fixed full state. */
class Recorder implements SwimExtension {
  readonly messageType = 200;
  readonly messages: Uint8Array[] = [];
  readonly states: { state: Uint8Array; join: boolean }[] = [];
  constructor(private readonly state?: Uint8Array) {}
  onMessage(payload: Uint8Array): void {
    this.messages.push(payload.slice());
  }
  localState(): Uint8Array | undefined {
    return this.state;
  }
  mergeRemoteState(state: Uint8Array, join: boolean): void {
    this.states.push({ state: state.slice(), join });
  }
}

describe("extension gossip", () => {
  it("delivers extension messages to the extension, not as Serf events; a newer name replaces a queued one", () => {
    const ext = [new Recorder(), new Recorder(), new Recorder()];
    const c = cluster(3, { extension: (i) => ext[i] });
    c.node(0).broadcastExtension("svc/web", Uint8Array.of(1));
    c.node(0).broadcastExtension("svc/web", Uint8Array.of(2)); // replaces 1 before it was sent
    c.node(0).broadcastExtension("svc/db", Uint8Array.of(3));
    expect(c.node(0).queueDepths().extension).toBe(2);
    c.sim.runFor(2_000);
    for (const i of [1, 2]) {
      const seen = new Set(ext[i]!.messages.map((m) => m[0]));
      expect([...seen].sort()).toEqual([2, 3]);
      expect(c.eventsOf(i, "userEventReceived")).toEqual([]);
      expect(c.eventsOf(i, "decodeFailed")).toEqual([]);
    }
  });

  it("sends nothing more of an invalidated extension message", () => {
    const ext = [new Recorder(), new Recorder()];
    const c = cluster(2, { extension: (i) => ext[i] });
    c.node(0).broadcastExtension("svc/web", Uint8Array.of(1));
    c.node(0).broadcastExtension("svc/web#1", Uint8Array.of(2));
    c.node(0).invalidateExtension("svc/web#1");
    c.node(0).invalidateExtension("svc/unknown"); // nothing queued under it: a no-op
    expect(c.node(0).queueDepths().extension).toBe(1);
    c.sim.runFor(2_000);
    expect(ext[1]!.messages.map((m) => m[0])).not.toContain(2);
    expect(ext[1]!.messages.map((m) => m[0])).toContain(1);
  });

  it("carries the extension's full state in push/pull, on join and periodically", () => {
    const ext = [new Recorder(Uint8Array.of(0xca, 0xfe)), new Recorder(), new Recorder(Uint8Array.of(7))];
    const c = cluster(3, { extension: (i) => ext[i] });
    // Joins were push/pulls with node 0: node 0's state reached both joiners with join=true.
    expect(ext[1]!.states[0]).toEqual({ state: Uint8Array.of(0xca, 0xfe), join: true });
    // Node 1 has no state of its own: nothing is sent for it.
    c.sim.runFor(40_000);
    expect(ext[0]!.states.every((s) => s.state.length > 0)).toBe(true);
    expect(ext[1]!.states.some((s) => !s.join)).toBe(true);
  });

  it("ignores other unknown message types silently and reports malformed Serf messages", () => {
    const c = cluster(2, { extension: () => new Recorder() });
    // A user message of type 201 and a truncated join intent (type 1), sent straight to node 1.
    const packet = (serf: Uint8Array): Uint8Array => Uint8Array.of(8, ...serf);
    c.sim.node(1).core.onPacket(c.sim.node(0).address, packet(Uint8Array.of(201, 1, 2)), c.sim.now);
    const out = c.sim.node(1).core.onPacket(c.sim.node(0).address, packet(Uint8Array.of(1, 0x82)), c.sim.now);
    const failures = out.filter((d) => d.kind === "event" && d.event.kind === "decodeFailed");
    expect(failures).toHaveLength(1);
  });

  it("refuses Serf's own type range and broadcasting without an extension", () => {
    const make = (messageType: number): unknown =>
      createSwimNode({
        name: "n",
        advertise: { host: "10.0.0.1", port: 7946 },
        memberlist: localConfig(),
        rng: createRng(1),
        nowMs: 0,
        extension: {
          ...new Recorder(),
          messageType,
          onMessage: () => {},
          localState: () => undefined,
          mergeRemoteState: () => {},
        },
      });
    expect(() => make(9)).toThrow(RangeError);
    expect(() => make(256)).toThrow(RangeError);
    const plain = createSwimNode({
      name: "n",
      advertise: { host: "10.0.0.1", port: 7946 },
      memberlist: localConfig(),
      rng: createRng(1),
      nowMs: 0,
    });
    expect(() => plain.broadcastExtension("x", Uint8Array.of(1))).toThrow(ShoalError);
  });
});

describe("push/pull user state on the wire", () => {
  /** Serf's messagePushPull exactly as Go declares it: no Shoal field. */
  const goPushPull = defineStruct<{
    lTime: number;
    statusLTimes: ReadonlyMap<string, number>;
    leftMembers: readonly string[];
    eventLTime: number;
    events: readonly unknown[];
    queryLTime: number;
  }>("messagePushPull", [
    { go: "LTime", key: "lTime", codec: u64 },
    { go: "StatusLTimes", key: "statusLTimes", codec: new StringMapCodec(u64) },
    { go: "LeftMembers", key: "leftMembers", codec: new SliceCodec(str) },
    { go: "EventLTime", key: "eventLTime", codec: u64 },
    {
      go: "Events",
      key: "events",
      codec: new NullableSliceCodec(
        defineStruct<{ lTime: number }>("e", [{ go: "LTime", key: "lTime", codec: u64 }]),
      ),
    },
    { go: "QueryLTime", key: "queryLTime", codec: u64 },
  ]);

  function serfWith(extension?: SwimExtension): Serf {
    return new Serf({
      name: "a",
      config: defaultSerfConfig(),
      memberlist: lanConfig(),
      tags: {},
      rng: createRng(1),
      ...(extension === undefined ? {} : { extension }),
    });
  }

  it("is Serf's messagePushPull plus one ShoalExtension key that a Serf-shaped decoder skips", () => {
    const state = serfWith(new Recorder(Uint8Array.of(1, 2, 3))).delegate.localState(false);
    expect(state[0]).toBe(2);
    expect(new TextDecoder().decode(state)).toContain("ShoalExtension");
    const asGo = goPushPull.decode(new MsgpackReader(state, 1));
    expect(asGo).toMatchObject({ lTime: 1, eventLTime: 1, queryLTime: 1, leftMembers: [] });
    expect(asGo.events).toHaveLength(512);
    const ours = serfPushPullStruct.decode(new MsgpackReader(state, 1));
    expect(ours.extension).toEqual(Uint8Array.of(1, 2, 3));
  });

  it("has no extra key without extension state, byte for byte what Serf sends", () => {
    const state = serfWith().delegate.localState(false);
    expect(new TextDecoder().decode(state)).not.toContain("ShoalExtension");
    expect(state.length).toBeGreaterThan(512); // the whole 512-slot ring, nil entries included
  });
});
