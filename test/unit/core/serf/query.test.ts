import { describe, expect, it } from "vitest";
import { encodeFilter } from "../../../../src/swim/codec/serf-messages.js";
import { createRng } from "../../../../src/swim/core/rng.js";
import type { SerfMember } from "../../../../src/swim/core/serf/member-state.js";
import {
  QueryBook,
  QueryBuffer,
  defaultQueryTimeoutMs,
  encodeQueryFilters,
  pickRelays,
  queryMatches,
} from "../../../../src/swim/core/serf/query.js";

describe("query filters (Serf's shouldProcessQuery)", () => {
  const tags = { role: "web-frontend", dc: "east" };

  it("matches with no filters, and requires every filter to match", () => {
    expect(queryMatches([], "n1", tags)).toBe(true);
    const filters = encodeQueryFilters({
      name: "q",
      payload: new Uint8Array(),
      filterNodes: ["n1", "n2"],
      filterTags: { role: "^web", dc: "east" },
    });
    expect(filters).toHaveLength(3);
    expect(queryMatches(filters, "n1", tags)).toBe(true);
    expect(queryMatches(filters, "n3", tags)).toBe(false);
    expect(queryMatches(filters, "n1", { ...tags, dc: "west" })).toBe(false);
  });

  it("tag expressions are unanchored regular expressions; a missing tag reads as empty", () => {
    const f = (expr: string, tag = "role"): Uint8Array[] => [encodeFilter({ kind: "tag", tag, expr })];
    expect(queryMatches(f("front"), "n", tags)).toBe(true);
    expect(queryMatches(f("^front"), "n", tags)).toBe(false);
    expect(queryMatches(f("(?i)WEB"), "n", tags)).toBe(true);
    expect(queryMatches(f(".*", "missing"), "n", tags)).toBe(true);
    expect(queryMatches(f("x", "missing"), "n", tags)).toBe(false);
  });

  it("an invalid or unsafe expression, an undecodable or unknown filter means 'not for us'", () => {
    const f = (expr: string): Uint8Array[] => [encodeFilter({ kind: "tag", tag: "role", expr })];
    expect(queryMatches(f("("), "n", tags)).toBe(false);
    expect(queryMatches(f("(w+)+$"), "n", tags)).toBe(false); // catastrophic backtracking refused
    expect(queryMatches([Uint8Array.of(0, 0xc1)], "n", tags)).toBe(false);
    expect(queryMatches([Uint8Array.of(9, 0x90)], "n", tags)).toBe(false);
  });
});

describe("QueryBuffer (Serf's query de-duplication by LTime and ID)", () => {
  it("accepts each (LTime, ID) once, witnessing the query clock", () => {
    const b = new QueryBuffer();
    expect(b.accept(4, 100)).toBe(true);
    expect(b.accept(4, 100)).toBe(false);
    expect(b.accept(4, 101)).toBe(true);
    expect(b.clock.time()).toBe(5);
  });

  it("refuses queries older than the ring or than a restored clock", () => {
    const b = new QueryBuffer();
    b.clock.witness(2000);
    expect(b.accept(1000, 1)).toBe(false);
    const restored = new QueryBuffer(30);
    expect(restored.accept(29, 1)).toBe(false);
    expect(restored.accept(30, 1)).toBe(true);
  });
});

describe("QueryBook", () => {
  it("collects the first ack and the first response per node while the query is open", () => {
    const book = new QueryBook();
    book.open(7, 42, true);
    expect(book.recordAnswer(7, 42, "a", true)).toBe(true);
    expect(book.recordAnswer(7, 42, "a", true)).toBe(false);
    expect(book.recordAnswer(7, 42, "a", false)).toBe(true);
    expect(book.recordAnswer(7, 42, "a", false)).toBe(false);
    expect(book.recordAnswer(7, 43, "b", false)).toBe(false); // ID mismatch
    expect(book.recordAnswer(8, 42, "b", false)).toBe(false); // not ours
    book.close(7);
    expect(book.recordAnswer(7, 42, "b", false)).toBe(false); // late
  });

  it("ignores acks for a query that did not ask for them", () => {
    const book = new QueryBook();
    book.open(1, 1, false);
    expect(book.recordAnswer(1, 1, "a", true)).toBe(false);
  });

  it("lets a received query be answered once, before its deadline", () => {
    const book = new QueryBook();
    const q = { id: 5, lTime: 3, origin: { host: "10.0.0.1", port: 7946 }, originName: "o", relayFactor: 0 };
    book.remember({ ...q, deadlineMs: 1_000 });
    expect(book.respondTo(5, 4, 10).ok).toBe(false); // wrong LTime
    expect(book.respondTo(5, 3, 10)).toMatchObject({ ok: true, query: { originName: "o" } });
    expect(book.respondTo(5, 3, 20).ok).toBe(false); // already answered
    book.remember({ ...q, id: 6, deadlineMs: 1_000 });
    expect(book.respondTo(6, 3, 1_001)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("deadline"),
    });
    book.remember({ ...q, id: 7, deadlineMs: 1_000 });
    book.expire(1_001);
    expect(book.respondTo(7, 3, 500).ok).toBe(false);
  });
});

describe("defaultQueryTimeoutMs", () => {
  it("is GossipInterval × 16 × ceil(log10(N+1)) (PROTOCOL.md 2.2 table)", () => {
    expect(defaultQueryTimeoutMs(200, 16, 3)).toBe(3_200);
    expect(defaultQueryTimeoutMs(200, 16, 10)).toBe(6_400);
    expect(defaultQueryTimeoutMs(200, 16, 100)).toBe(9_600);
    expect(defaultQueryTimeoutMs(500, 16, 100)).toBe(24_000);
  });
});

describe("pickRelays (Serf's relayResponse / kRandomMembers)", () => {
  const member = (name: string, status: SerfMember["status"], pmax = 5): SerfMember => ({
    name,
    address: { host: "10.0.0.1", port: 1 },
    tags: {},
    status,
    statusLTime: 0,
    leaveTimeMs: undefined,
    vsn: [1, pmax, 2, 2, 5, 5],
  });

  it("picks distinct alive protocol-5 peers other than ourselves, and none if too few members", () => {
    const members = [
      member("me", "alive"),
      member("a", "alive"),
      member("b", "alive"),
      member("old", "alive", 4),
      member("dead", "failed"),
    ];
    const picked = pickRelays(members, 2, "me", createRng(1));
    expect(picked.map((m) => m.name).sort()).toEqual(["a", "b"]);
    expect(pickRelays(members, 0, "me", createRng(1))).toEqual([]);
    expect(pickRelays(members.slice(0, 2), 2, "me", createRng(1))).toEqual([]);
  });
});
