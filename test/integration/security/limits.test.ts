/**
 * Every limit of a real agent refuses what exceeds it with a clear error, counts it, and keeps
 * the agent running: concurrent inbound push/pulls, push/pull state size, decompressed size
 * (an LZW bomb), user event, query and tag sizes over the HTTP API, node name rules, and the
 * same limits on gossip received over real UDP (oversized tags, bad names, oversized events).
 */
import { createSocket } from "node:dgram";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAgentConfig } from "../../../src/agent/config/load.js";
import { Agent } from "../../../src/agent/daemon/agent.js";
import { createLogger } from "../../../src/agent/logging/logger.js";
import { encodePacketMessages } from "../../../src/swim/codec/packet.js";
import { encodeSerfMessage } from "../../../src/swim/codec/serf-messages.js";
import { decodeStreamMessage, encodeStreamMessage } from "../../../src/swim/codec/stream.js";
import type { PacketMessage } from "../../../src/swim/codec/types.js";
import { ConfigError } from "../../../src/errors.js";
import { waitFor } from "../../support/serf-agent.js";

let agent: Agent;
let gossipPort: number;
/** Every log line the agent wrote (warn and above). */
const logLines: string[] = [];

const gossip = (name: string): number => Number(agent.self().stats["gossip"]?.[name] ?? 0);

async function open(): Promise<{ socket: Socket; closed: Promise<Buffer> }> {
  const socket = connect({ host: "127.0.0.1", port: gossipPort });
  const chunks: Buffer[] = [];
  socket.on("data", (c: Buffer) => chunks.push(c));
  socket.on("error", () => undefined); // a reset is one of the answers under test
  const closed = new Promise<Buffer>((resolve) => socket.once("close", () => resolve(Buffer.concat(chunks))));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("error", reject);
  });
  return { socket, closed };
}

async function api(
  method: string,
  path: string,
  body: string | Buffer,
): Promise<{ status: number; text: string }> {
  const response = await fetch(`${agent.httpUrl()}${path}`, { method, body });
  return { status: response.status, text: await response.text() };
}

async function apiJson<T>(path: string): Promise<T> {
  return (await (await fetch(`${agent.httpUrl()}${path}`)).json()) as T;
}

const udp = (message: PacketMessage): Uint8Array =>
  encodePacketMessages([message], { compress: false, crc: false });

function alive(node: string, meta = new Uint8Array()): PacketMessage {
  return {
    kind: "alive",
    incarnation: 1,
    node,
    addr: Uint8Array.from([127, 0, 0, 1]),
    port: 1, // nothing listens there: a member accepted by mistake would not answer probes
    meta,
    vsn: Uint8Array.from([1, 5, 2, 2, 5, 5]),
  };
}

let eventTime = 10;
function userEvent(name: string, payloadBytes: number): PacketMessage {
  const payload = new Uint8Array(payloadBytes).fill(0x61);
  const event = encodeSerfMessage({ kind: "userEvent", lTime: eventTime++, name, payload, cc: false });
  return { kind: "user", payload: event };
}

/** Sends `packets` to the agent from one fresh UDP socket; returns that socket's port. */
async function sendFrom(packets: readonly Uint8Array[]): Promise<number> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  const from = socket.address().port;
  for (const p of packets) {
    await new Promise<void>((resolve, reject) =>
      socket.send(p, gossipPort, "127.0.0.1", (err) => (err ? reject(err) : resolve())),
    );
  }
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return from;
}

beforeAll(async () => {
  const config = loadAgentConfig(
    ["--node", "limits", "--bind", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--profile", "local"],
    {},
  );
  agent = await Agent.start(
    config,
    createLogger({ level: "warn", destination: { write: (line: string) => void logLines.push(line) } }),
  );
  gossipPort = agent.self().member.port;
});

afterAll(async () => {
  await agent.close();
});

describe("agent limits", () => {
  it("refuses inbound streams beyond 128 at once with an error reply, counts them, logs once", async () => {
    const idle = [];
    for (let i = 0; i < 130; i++) idle.push(await open());
    // The refused streams are the ones the agent answers and closes; the 128 being read stay open.
    const answers: Buffer[] = [];
    for (const c of idle) void c.closed.then((bytes) => answers.push(bytes));
    await waitFor("2 overloaded", () => (gossip("dropped_stream_overloaded") >= 2 ? true : undefined), 5_000);
    await waitFor("2 refusals answered", () => (answers.length >= 2 ? true : undefined), 5_000);
    expect(answers).toHaveLength(2);
    for (const bytes of answers) {
      expect(decodeStreamMessage(new Uint8Array(bytes))).toEqual({
        kind: "err",
        error: "Too many pending push/pull requests: 128 inbound streams are being read",
      });
    }
    // Two refusals from one host, one line: the log names the peer without flooding.
    const refusals = logLines.filter((line) => line.includes("refusing a gossip stream from 127.0.0.1"));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatch(/Too many pending push\/pull requests.*reported once per peer/);
    const gone = gossip("dropped_stream_incomplete");
    for (const c of idle) c.socket.destroy();
    // The agent counts each idle stream that closes empty as incomplete; then its slots are free.
    await waitFor(
      "the idle streams to be released",
      () => (gossip("dropped_stream_incomplete") - gone >= 128 ? true : undefined),
      5_000,
    );
  });

  it("refuses a push/pull over the 40 MB state limit with an error reply", async () => {
    const counted = () => gossip("dropped_stream_oversize") + gossip("dropped_stream_malformed");
    const before = counted();
    const huge = encodeStreamMessage(
      { kind: "pushPull", join: false, nodes: [], userState: new Uint8Array(41 * 1024 * 1024) },
      { compress: false },
    );
    const c = await open();
    c.socket.write(huge);
    // The declared length is checked first, so the agent refuses before reading 40 MB.
    const answer = decodeStreamMessage(new Uint8Array(await c.closed));
    expect(answer).toMatchObject({ kind: "err", error: expect.stringMatching(/limit|exceeds/) });
    console.log(`40 MB push/pull refused with: ${(answer as { error: string }).error}`);
    expect(counted()).toBe(before + 1);
  });

  it("refuses a decompression bomb with an error naming the limit", async () => {
    const before = gossip("dropped_stream_malformed");
    const bomb = encodeStreamMessage(
      { kind: "pushPull", join: false, nodes: [], userState: new Uint8Array(41 * 1024 * 1024) },
      { compress: true },
    );
    expect(bomb.length).toBeLessThan(1024 * 1024); // small on the wire, 41 MB once inflated
    const c = await open();
    c.socket.end(bomb);
    const answer = decodeStreamMessage(new Uint8Array(await c.closed));
    expect(answer).toMatchObject({ kind: "err", error: expect.stringMatching(/decompressed data exceeds/) });
    expect(gossip("dropped_stream_malformed")).toBe(before + 1);
  });

  it("refuses an oversized user event, query and tag set over the API with a 400 naming the limit", async () => {
    const event = await api("PUT", "/v1/event/fire/deploy", Buffer.alloc(600, 1));
    expect(event.status).toBe(400);
    expect(event.text).toMatch(/user event exceeds the limit of 512 bytes/);
    const query = await api(
      "POST",
      "/v1/shoal/query",
      JSON.stringify({ Name: "q", Payload: "x".repeat(2000) }),
    );
    expect(query.status).toBe(400);
    expect(query.text).toMatch(/over the limit of 1024/);
    const tags = await api("PUT", "/v1/shoal/tags", JSON.stringify({ Set: { big: "x".repeat(600) } }));
    expect(tags.status).toBe(400);
    expect(tags.text).toMatch(/512/);
    const metrics = await fetch(`${agent.httpUrl()}/v1/agent/metrics?format=prometheus`);
    expect(await metrics.text()).toMatch(/shoal_http_requests_total\{[^}]*code="400"[^}]*\} [1-9]/);
  });

  it("refuses a node name against Serf's rules, naming the field", () => {
    for (const name of ["bad name", "x".repeat(129), "ünïcode"]) {
      let error: unknown;
      try {
        loadAgentConfig(["--node", name], {});
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems[0]?.field).toBe("nodeName");
    }
  });

  it("refuses alive messages with oversized tags or bad names over UDP, counts them, logs each peer once", async () => {
    const counted = () => ({
      name: gossip("dropped_packet_invalidNodeName"),
      tags: gossip("dropped_packet_tagsTooLarge"),
    });
    const before = counted();
    const meta = new Uint8Array(3_000).fill(0x41);
    const sender = await sendFrom([
      // The auditor's packets: both at once (the name is checked first), then each alone.
      udp(alive("bad name!é", meta)),
      udp(alive("big-tags", meta)),
      udp(alive("n".repeat(300))),
    ]);
    await waitFor(
      "the three refusals to be counted",
      () => {
        const now = counted();
        return now.name - before.name === 2 && now.tags - before.tags === 1 ? true : undefined;
      },
      5_000,
    );
    const members = await apiJson<{ Name: string }[]>("/v1/agent/members");
    expect(members.map((m) => m.Name)).toEqual(["limits"]);
    const metrics = await (await fetch(`${agent.httpUrl()}/v1/agent/metrics?format=prometheus`)).text();
    expect(metrics).toMatch(/shoal_gossip_dropped_total\{[^}]*reason="tagsTooLarge"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/shoal_gossip_dropped_total\{[^}]*reason="invalidNodeName"[^}]*\} [1-9]/);
    const lines = logLines.filter((l) => l.includes(`refusing gossip from 127.0.0.1:${sender}`));
    expect(lines).toHaveLength(1); // three refusals, one line
    // Whichever refusal was handled first: queued gossip is handled newest first (memberlist's
    // handler queues are LIFO), so that is usually the last packet's.
    expect(lines[0]).toMatch(
      /node name \\"bad name!é\\" may contain only letters, digits|node name is 300 characters/,
    );
  });

  it("refuses a join push/pull carrying a member with oversized tags, as a whole", async () => {
    const before = gossip("dropped_stream_tagsTooLarge");
    const member = (name: string, meta: Uint8Array) => ({
      name,
      addr: Uint8Array.from([127, 0, 0, 1]),
      port: 1,
      meta,
      incarnation: 1,
      state: 0 as const,
      vsn: Uint8Array.from([1, 5, 2, 2, 5, 5]),
    });
    const join = encodeStreamMessage(
      {
        kind: "pushPull",
        join: true,
        nodes: [member("fine-peer", new Uint8Array()), member("fat-peer", new Uint8Array(3_000))],
        userState: new Uint8Array(),
      },
      { compress: false },
    );
    const c = await open();
    c.socket.write(join);
    // As memberlist's listener, the agent answers with its own state before it merges (and refuses).
    expect(decodeStreamMessage(new Uint8Array(await c.closed))).toMatchObject({ kind: "pushPull" });
    await waitFor(
      "the refused merge to be counted",
      () => (gossip("dropped_stream_tagsTooLarge") === before + 1 ? true : undefined),
      5_000,
    );
    const members = await apiJson<{ Name: string }[]>("/v1/agent/members");
    expect(members.map((m) => m.Name)).toEqual(["limits"]); // not even the valid member merged
  });

  it("drops an 8,000-byte user event received over UDP: counted, never listed", async () => {
    const before = gossip("dropped_packet_userEventTooLarge");
    await sendFrom([
      udp(userEvent("oversized", 8_000)),
      udp(userEvent("control", 10)), // within the limit: proves the socket path delivers events
    ]);
    await waitFor(
      "the control event to be listed",
      async () =>
        (await apiJson<{ Name: string }[]>("/v1/event/list")).some((e) => e.Name === "control")
          ? true
          : undefined,
      5_000,
    );
    expect(gossip("dropped_packet_userEventTooLarge")).toBe(before + 1);
    const listed = await apiJson<{ Name: string }[]>("/v1/event/list");
    expect(listed.map((e) => e.Name)).not.toContain("oversized");
  });

  it("kept running through all of it", async () => {
    expect(gossip("internal_errors")).toBe(0);
    expect((await fetch(`${agent.httpUrl()}/v1/agent/self`)).status).toBe(200);
  });
});
