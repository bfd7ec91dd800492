/**
 * Every limit of a real agent refuses what exceeds it with a clear error, counts it, and keeps
 * the agent running: concurrent inbound push/pulls, push/pull state size, decompressed size
 * (an LZW bomb), user event, query and tag sizes over the HTTP API, and node name rules.
 */
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAgentConfig } from "../../../src/agent/config/load.js";
import { Agent } from "../../../src/agent/daemon/agent.js";
import { createLogger } from "../../../src/agent/logging/logger.js";
import { decodeStreamMessage, encodeStreamMessage } from "../../../src/swim/codec/stream.js";
import { ConfigError } from "../../../src/errors.js";
import { waitFor } from "../../support/serf-agent.js";

let agent: Agent;
let gossipPort: number;

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

beforeAll(async () => {
  const config = loadAgentConfig(
    ["--node", "limits", "--bind", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--profile", "local"],
    {},
  );
  agent = await Agent.start(
    config,
    createLogger({ level: "error", destination: { write: () => undefined } }),
  );
  gossipPort = agent.self().member.port;
});

afterAll(async () => {
  await agent.close();
});

describe("agent limits", () => {
  it("refuses inbound streams beyond 128 at once, and counts them", async () => {
    const idle = [];
    for (let i = 0; i < 130; i++) idle.push(await open());
    await waitFor("2 overloaded", () => (gossip("dropped_stream_overloaded") >= 2 ? true : undefined), 5_000);
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

  it("kept running through all of it", async () => {
    expect(gossip("internal_errors")).toBe(0);
    expect((await fetch(`${agent.httpUrl()}/v1/agent/self`)).status).toBe(200);
  });
});
