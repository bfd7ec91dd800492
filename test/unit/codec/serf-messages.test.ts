import { describe, expect, it } from "vitest";
import { DecodeError, EncodeError } from "../../../src/errors.js";
import {
  decodeConflictResponse,
  decodeCoordinatePayload,
  decodeFilter,
  decodeKeyRequest,
  decodeKeyResponse,
  decodeSerfMessage,
  encodeConflictResponse,
  encodeCoordinatePayload,
  encodeFilter,
  encodeKeyRequest,
  encodeKeyResponse,
  encodeSerfMessage,
} from "../../../src/swim/codec/serf-messages.js";
import { decodeTags, encodeTags } from "../../../src/swim/codec/tags.js";
import type { SerfPushPull, SerfQuery } from "../../../src/swim/codec/types.js";
import { b, fs, hex } from "./helpers.js";

const nodeFilter = b(0x00, 0x91, fs("py"));
const tagFilter = b(0x01, 0x82, fs("Expr"), fs("fak.*"), fs("Tag"), fs("role"));

/** PROTOCOL.md section 3.6: the observed query, as Go's codec writes it (sorted keys). */
const observedQuery = b(
  0x04,
  0x8b,
  fs("Addr"),
  0xa4,
  127,
  0,
  0,
  1,
  fs("Filters"),
  0x92,
  0xa0 | nodeFilter.length,
  nodeFilter,
  0xa0 | tagFilter.length,
  tagFilter,
  fs("Flags"),
  0x01,
  fs("ID"),
  0xce,
  0x4c,
  0x76,
  0xb5,
  0xc1,
  fs("LTime"),
  0x01,
  fs("Name"),
  fs("uptime"),
  fs("Payload"),
  fs("pl"),
  fs("Port"),
  0xcd,
  0x46,
  0x1a,
  fs("RelayFactor"),
  0x00,
  fs("SourceNode"),
  fs("agentA"),
  fs("Timeout"),
  0xce,
  0x77,
  0x35,
  0x94,
  0x00,
);

const query: SerfQuery = {
  kind: "query",
  lTime: 1,
  id: 1282848193,
  addr: Uint8Array.of(127, 0, 0, 1),
  port: 17946,
  sourceNode: "agentA",
  filters: [nodeFilter, tagFilter],
  flags: 1,
  relayFactor: 0,
  timeoutNs: 2_000_000_000,
  name: "uptime",
  payload: b("pl"),
};

describe("Serf messages", () => {
  it("decodes the observed query and its filters", () => {
    const q = decodeSerfMessage(observedQuery);
    expect(q).toEqual(query);
    if (q.kind !== "query") throw new Error("kind");
    expect(decodeFilter(q.filters[0]!)).toEqual({ kind: "node", nodes: ["py"] });
    expect(decodeFilter(q.filters[1]!)).toEqual({ kind: "tag", tag: "role", expr: "fak.*" });
  });

  it("encodes the observed query byte for byte (Timeout as unsigned u32)", () => {
    expect(hex(encodeSerfMessage(query))).toBe(hex(observedQuery));
    expect(hex(encodeFilter({ kind: "node", nodes: ["py"] }))).toBe(hex(nodeFilter));
    expect(hex(encodeFilter({ kind: "tag", tag: "role", expr: "fak.*" }))).toBe(hex(tagFilter));
  });

  it("round-trips leave, join, user event, query response", () => {
    const msgs = [
      { kind: "leave", lTime: 2 ** 40, node: "x", prune: true },
      { kind: "join", lTime: 5, node: "y" },
      { kind: "userEvent", lTime: 9, name: "deploy", payload: b("v1"), cc: true },
      { kind: "queryResponse", lTime: 3, id: 77, from: "z", flags: 1, payload: b(1, 2) },
    ] as const;
    for (const m of msgs) expect(decodeSerfMessage(encodeSerfMessage(m))).toEqual(m);
    expect(hex(encodeSerfMessage(msgs[1]))).toBe(hex(b(0x01, 0x82, fs("LTime"), 0x05, fs("Node"), fs("y"))));
  });

  it("writes nil, as Go does, for a query without filters or payload and for an ack's payload", () => {
    const q = encodeSerfMessage({ ...query, filters: [], payload: new Uint8Array(0) });
    expect(hex(q)).toContain(hex(b(fs("Filters"), 0xc0)));
    expect(hex(q)).toContain(hex(b(fs("Payload"), 0xc0)));
    const ack = {
      kind: "queryResponse",
      lTime: 1,
      id: 2,
      from: "a",
      flags: 1,
      payload: new Uint8Array(0),
    } as const;
    expect(hex(encodeSerfMessage(ack))).toContain(hex(b(fs("Payload"), 0xc0)));
    expect(decodeSerfMessage(encodeSerfMessage(ack))).toEqual(ack);
  });

  it("keeps the push/pull event ring buffer with nil slots and the status map", () => {
    const events: SerfPushPull["events"][number][] = new Array(512).fill(null);
    events[3] = { lTime: 3, events: [{ name: "e", payload: b("p") }] };
    const pp: SerfPushPull = {
      kind: "pushPull",
      lTime: 4,
      statusLTimes: new Map([
        ["b", 2],
        ["a", 1],
      ]),
      leftMembers: ["gone"],
      eventLTime: 4,
      events,
      queryLTime: 1,
    };
    const enc = encodeSerfMessage(pp);
    const dec = decodeSerfMessage(enc);
    expect(dec).toEqual(pp);
    // The map is written with sorted keys; 512 slots take an array16 header and 511 nil bytes.
    expect(hex(enc)).toContain(hex(b(fs("StatusLTimes"), 0x82, fs("a"), 0x01, fs("b"), 0x02)));
    expect(hex(enc)).toContain(hex(b(fs("Events"), 0xdc, 0x02, 0x00, 0xc0, 0xc0, 0xc0, 0x82)));
  });

  it("encodes relay as header then the raw inner message", () => {
    const inner = encodeSerfMessage({
      kind: "queryResponse",
      lTime: 1,
      id: 2,
      from: "f",
      flags: 0,
      payload: b(),
    });
    const relay = {
      kind: "relay",
      destAddr: { ip: Uint8Array.of(10, 0, 0, 9), port: 7946, zone: "" },
      destName: "dest",
      inner,
    } as const;
    const enc = encodeSerfMessage(relay);
    const header = b(
      0x09,
      0x82,
      fs("DestAddr"),
      0x83,
      fs("IP"),
      0xa4,
      10,
      0,
      0,
      9,
      fs("Port"),
      0xcd,
      0x1f,
      0x0a,
      fs("Zone"),
      0xa0,
      fs("DestName"),
      fs("dest"),
    );
    expect(hex(enc)).toBe(hex(b(header, inner)));
    expect(decodeSerfMessage(enc)).toEqual(relay);
    expect(() => decodeSerfMessage(header)).toThrow(/inner/);
  });

  it("encodes key request/response and conflict response payloads", () => {
    const key = Uint8Array.from({ length: 16 }, (_, i) => i);
    expect(hex(encodeKeyRequest({ key }))).toBe(hex(b(0x07, 0x81, fs("Key"), 0xb0, key)));
    expect(decodeKeyRequest(encodeKeyRequest({ key }))).toEqual({ key });
    const resp = { result: true, message: "", keys: ["AAAA", "BBBB"], primaryKey: "AAAA" };
    const respBytes = encodeKeyResponse(resp);
    expect(hex(respBytes.subarray(0, 8))).toBe(hex(b(0x08, 0x84, fs("Keys"), 0x92)));
    expect(decodeKeyResponse(respBytes)).toEqual(resp);
    const member = {
      name: "n",
      addr: Uint8Array.of(127, 0, 0, 1),
      port: 7946,
      tags: { role: "web" },
      status: 1,
      protocolMin: 1,
      protocolMax: 5,
      protocolCur: 2,
      delegateMin: 2,
      delegateMax: 5,
      delegateCur: 4,
    };
    const enc = encodeConflictResponse(member);
    expect(enc[0]).toBe(6);
    expect(hex(enc.subarray(1, 7))).toBe(hex(b(0x8b, fs("Addr"))));
    expect({ ...decodeConflictResponse(enc), tags: { ...decodeConflictResponse(enc).tags } }).toEqual(member);
    expect(() => decodeKeyRequest(respBytes)).toThrow(/expected type byte 7/);
  });

  it("encodes the ping coordinate payload with float64 everywhere", () => {
    const coord = { vec: [0, 0, 0, 0, 0, 0, 0, 0], error: 1.5, adjustment: 0, height: 1e-5 };
    const enc = encodeCoordinatePayload(coord);
    expect(enc[0]).toBe(1);
    const zero = "cb 00 00 00 00 00 00 00 00";
    expect(hex(enc)).toContain(hex(b(fs("Adjustment"))) + " " + zero);
    expect(hex(enc)).toContain(hex(b(fs("Vec"), 0x98)) + (" " + zero).repeat(8));
    expect(decodeCoordinatePayload(enc)).toEqual(coord);
    expect(() => decodeCoordinatePayload(b(2, 0x80))).toThrow(DecodeError);
  });

  it("refuses unknown, empty and truncated Serf messages with DecodeError", () => {
    expect(() => decodeSerfMessage(b())).toThrow(DecodeError);
    expect(() => decodeSerfMessage(b(0x06, 0x80))).toThrow(/unknown Serf message type/);
    expect(() => decodeSerfMessage(observedQuery.subarray(0, 40))).toThrow(DecodeError);
    expect(() => decodeFilter(b(0x02, 0x80))).toThrow(/unknown query filter type/);
  });
});

describe("tags", () => {
  it("decodes the observed meta and encodes with sorted keys", () => {
    const observed = b(0xff, 0x82, fs("role"), fs("web"), fs("dc"), fs("east"));
    expect({ ...decodeTags(observed) }).toEqual({ role: "web", dc: "east" });
    expect(hex(encodeTags({ role: "web", dc: "east" }))).toBe(
      hex(b(0xff, 0x82, fs("dc"), fs("east"), fs("role"), fs("web"))),
    );
    expect(hex(encodeTags({}))).toBe("ff 80");
  });

  it("reads empty meta as no tags and legacy meta as a role", () => {
    expect(Object.keys(decodeTags(b()))).toEqual([]);
    expect({ ...decodeTags(b("web")) }).toEqual({ role: "web" });
  });

  it("limits encoded meta to 512 bytes, naming size and limit", () => {
    // ff 81 a1 "k" da 01 f9 + 505 bytes = 512: the largest meta allowed.
    const tooBig = { k: "v".repeat(506) };
    const size = encodeTags({ k: "v".repeat(505) }).length;
    expect(size).toBe(512);
    expect(() => encodeTags(tooBig)).toThrow(EncodeError);
    expect(() => encodeTags(tooBig)).toThrow(/513 bytes.*512 bytes/);
  });

  it("keeps keys such as __proto__ as plain data", () => {
    const meta = encodeTags(JSON.parse('{"__proto__":"x","a":"b"}') as Record<string, string>);
    const tags = decodeTags(meta);
    expect(Object.keys(tags).sort()).toEqual(["__proto__", "a"]);
    expect(tags.__proto__).toBe("x");
  });
});
