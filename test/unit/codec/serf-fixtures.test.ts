/**
 * Every capture from a real `serf agent` (test/fixtures/serf, scripts/capture-serf.ts)
 * decodes with Shoal's codec to the facts the capture script caused: names, ports, tags,
 * event and query contents, and the wire layers (CRC, compression, compound, encryption).
 */
import { describe, expect, it } from "vitest";
import { CryptoError } from "../../../src/errors.js";
import { Keyring } from "../../../src/swim/codec/keyring.js";
import { decodePacketDetailed } from "../../../src/swim/codec/packet.js";
import { StreamFrameReader, openPacket } from "../../../src/swim/codec/security.js";
import { decodeFilter, decodeSerfMessage } from "../../../src/swim/codec/serf-messages.js";
import { StreamMessageReader } from "../../../src/swim/codec/stream.js";
import { decodeTags } from "../../../src/swim/codec/tags.js";
import type { PacketMessage, PushPull, SerfMessage, StreamMessage } from "../../../src/swim/codec/types.js";
import { MessageType } from "../../../src/swim/codec/types.js";
import type { SerfFixture } from "../../support/serf-fixtures.js";
import { loadBytes, loadIndex } from "../../support/serf-fixtures.js";

const index = loadIndex();
const text = (b: Uint8Array): string => Buffer.from(b).toString("utf8");
const ip = (b: Uint8Array): string => Array.from(b).join(".");

function keyringOf(f: SerfFixture): Keyring | undefined {
  return f.key === null ? undefined : Keyring.fromBase64([f.key]);
}

function portOf(f: SerfFixture): number {
  const scenario = f.file.startsWith("encrypted-") ? index.scenarios["encrypted"] : index.scenarios["plain"];
  return scenario!.agentPort;
}

/** Feeds a stream capture in small pieces, as a socket would deliver it. */
function readStream(f: SerfFixture, chunk = 7): StreamMessage {
  const bytes = loadBytes(f.file);
  const frames = new StreamFrameReader({ keyring: keyringOf(f) });
  const messages = new StreamMessageReader();
  for (let i = 0; i < bytes.length; i += chunk) {
    const plain = frames.push(bytes.subarray(i, i + chunk));
    if (plain.length === 0) continue;
    const msg = messages.push(plain);
    if (msg !== undefined) return msg;
  }
  throw new Error(`${f.file}: stream incomplete`);
}

function openFixturePacket(f: SerfFixture): { plain: Uint8Array; messages: PacketMessage[] } {
  const plain = openPacket(loadBytes(f.file), { keyring: keyringOf(f) });
  const { messages, failedParts, truncatedParts } = decodePacketDetailed(plain);
  expect(failedParts).toEqual([]);
  expect(truncatedParts).toBe(0);
  return { plain, messages };
}

function serfMessages(messages: readonly PacketMessage[]): SerfMessage[] {
  return messages.flatMap((m) => (m.kind === "user" ? [decodeSerfMessage(m.payload)] : []));
}

describe("Serf fixtures", () => {
  it("were captured from Serf 0.8.2-dev with both scenarios", () => {
    expect(index.serfVersion).toContain("0.8.2");
    expect(index.fixtures.length).toBeGreaterThanOrEqual(12);
    expect(index.fixtures.some((f) => f.key !== null)).toBe(true);
  });

  for (const f of index.fixtures) {
    describe(f.file, () => {
      if (f.transport === "udp") {
        it("has the recorded wire layers", () => {
          const raw = loadBytes(f.file);
          if (f.key !== null) {
            expect(raw[0]).toBe(1); // encryption version 1 (unpadded)
          }
          const { plain } = openFixturePacket(f);
          let at = 0;
          if (f.layers.includes("hasCrc")) {
            expect(plain[0]).toBe(MessageType.hasCrc);
            at = 5;
          } else {
            expect(plain[0]).not.toBe(MessageType.hasCrc);
          }
          if (f.layers.includes("compress")) expect(plain[at]).toBe(MessageType.compress);
          if (f.layers.includes("compound")) expect(plain[at]).toBe(MessageType.compound);
        });
      }

      it("decodes to the expected values", () => {
        const e = f.expect;
        if (f.transport === "tcp") {
          const msg = readStream(f);
          expect(msg.kind).toBe("pushPull");
          const pp = msg as PushPull;
          expect(pp.join).toBe(e["join"]);
          const serf = decodeSerfMessage(pp.userState);
          expect(serf.kind).toBe("pushPull");
          if (serf.kind !== "pushPull") return;
          expect(serf.events).toHaveLength(512);
          if (e["nodes"] !== undefined) {
            const [want] = e["nodes"] as {
              name: string;
              port: number;
              addr: string;
              state: number;
              tags: Record<string, string>;
            }[];
            expect(pp.nodes).toHaveLength(1);
            const n = pp.nodes[0]!;
            expect(n.name).toBe(want!.name);
            expect(n.port).toBe(portOf(f));
            expect(ip(n.addr)).toBe(want!.addr);
            expect(n.state).toBe(want!.state);
            expect({ ...decodeTags(n.meta) }).toEqual(want!.tags);
            expect(Array.from(n.vsn)).toEqual([1, 5, 2, 2, 5, 5]);
            expect(serf.statusLTimes.has(index.agent.name)).toBe(true);
          }
          if (e["nodeNames"] !== undefined) {
            expect(pp.nodes.map((n) => n.name).sort()).toEqual([...(e["nodeNames"] as string[])].sort());
            const want = e["serf"] as { eventName: string; eventPayload: string; minEventLTime: number };
            expect(serf.eventLTime).toBeGreaterThanOrEqual(want.minEventLTime);
            const events = serf.events.flatMap((slot) => (slot === null ? [] : slot.events));
            expect(events.map((ev) => ev.name)).toContain(want.eventName);
            expect(events.map((ev) => text(ev.payload))).toContain(want.eventPayload);
          }
          return;
        }

        const { messages } = openFixturePacket(f);
        expect(messages.length).toBeGreaterThan(0);
        if (e["first"] !== undefined) {
          const want = e["first"] as { kind: string; node: string; sourceNode: string };
          const ping = messages[0]!;
          expect(ping.kind).toBe("ping");
          if (ping.kind !== "ping") return;
          expect(ping.node).toBe(want.node);
          expect(ping.sourceNode).toBe(want.sourceNode);
          expect(ping.sourcePort).toBe(portOf(f));
          expect(ip(ping.sourceAddr!)).toBe("127.0.0.1");
        }
        if (e["aliveNodes"] !== undefined) {
          const names = messages.flatMap((m) => (m.kind === "alive" ? [m.node] : []));
          expect(new Set(names)).toEqual(new Set(e["aliveNodes"] as string[]));
          const agent = messages.find((m) => m.kind === "alive" && m.node === index.agent.name);
          if (agent?.kind === "alive") {
            expect(agent.port).toBe(portOf(f));
            expect({ ...decodeTags(agent.meta) }).toEqual(index.agent.tags);
          }
        }
        if (e["userEvent"] !== undefined) {
          const want = e["userEvent"] as { name: string; payload: string; lTime: number; cc: boolean };
          const ev = serfMessages(messages).find((m) => m.kind === "userEvent");
          expect(ev).toBeDefined();
          if (ev?.kind !== "userEvent") return;
          expect(ev.name).toBe(want.name);
          expect(text(ev.payload)).toBe(want.payload);
          expect(ev.lTime).toBe(want.lTime);
          expect(ev.cc).toBe(want.cc);
        }
        if (e["query"] !== undefined) {
          const want = e["query"] as {
            name: string;
            payload: string;
            sourceNode: string;
            addr: string;
            flags: number;
            timeoutNs: number;
            filters: unknown[];
          };
          const q = serfMessages(messages).find((m) => m.kind === "query");
          expect(q).toBeDefined();
          if (q?.kind !== "query") return;
          expect(q.name).toBe(want.name);
          expect(text(q.payload)).toBe(want.payload);
          expect(q.sourceNode).toBe(want.sourceNode);
          expect(ip(q.addr)).toBe(want.addr);
          expect(q.port).toBe(portOf(f));
          expect(q.flags).toBe(want.flags);
          expect(q.timeoutNs).toBe(want.timeoutNs);
          expect(q.filters.map((x) => decodeFilter(x))).toEqual(want.filters);
        }
        if (e["alive"] !== undefined) {
          const want = e["alive"] as { node: string; tags: Record<string, string>; minIncarnation: number };
          const a = messages.find((m) => m.kind === "alive" && m.node === want.node);
          expect(a).toBeDefined();
          if (a?.kind !== "alive") return;
          expect({ ...decodeTags(a.meta) }).toEqual(want.tags);
          expect(a.incarnation).toBeGreaterThanOrEqual(want.minIncarnation);
          expect(a.port).toBe(portOf(f));
        }
      });

      if (f.key !== null) {
        it("does not open with another key, and is not plaintext", () => {
          const other = Keyring.of([new Uint8Array(32).fill(9)]);
          const raw = loadBytes(f.file);
          if (f.transport === "udp") {
            expect(() => openPacket(raw, { keyring: other })).toThrow(CryptoError);
          } else {
            expect(() => new StreamFrameReader({ keyring: other }).push(raw)).toThrow(CryptoError);
            // Without keys the stream is refused rather than misread.
            expect(() => new StreamFrameReader({}).push(raw)).toThrow(CryptoError);
          }
        });

        it("opens with the right key when it is not the primary", () => {
          const ring = Keyring.of([new Uint8Array(16).fill(1), Keyring.fromBase64([f.key!]).primary!]);
          const raw = loadBytes(f.file);
          if (f.transport === "udp") expect(openPacket(raw, { keyring: ring }).length).toBeGreaterThan(0);
          else expect(new StreamFrameReader({ keyring: ring }).push(raw).length).toBeGreaterThan(0);
        });
      }
    });
  }
});
