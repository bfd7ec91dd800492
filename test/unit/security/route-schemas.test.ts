/**
 * Input limits of the HTTP API: every route declares a schema for what it reads (path
 * parameters, JSON bodies; reads also their response), oversized bodies get 413, oversized
 * request heads 431, and schema violations 400 with a message, never a 5xx.
 */
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { httpApi } from "../../../src/http-api/plugin.js";
import { InMemoryAgent } from "../../support/in-memory-agent.js";
import { fixture } from "../http-api/helpers.js";

interface RouteRow {
  readonly methods: readonly string[];
  readonly url: string;
  readonly schema: Readonly<Record<string, unknown>>;
  readonly jsonBody: boolean;
  readonly handlesMethod405: boolean;
}

async function routes(): Promise<RouteRow[]> {
  const agent = new InMemoryAgent({});
  const app = Fastify();
  const rows: RouteRow[] = [];
  app.addHook("onRoute", (r) => {
    const schema = (r.schema ?? {}) as Record<string, unknown>;
    rows.push({
      methods: [r.method].flat(),
      url: r.url,
      schema,
      jsonBody: (r.config as { jsonBody?: boolean } | undefined)?.jsonBody === true,
      handlesMethod405: r.schema === undefined && r.handler.toString().includes("405"),
    });
  });
  await app.register(httpApi, { view: agent, control: agent });
  await app.ready();
  await app.close();
  agent.close();
  return rows;
}

// Streams answer NDJSON forever: no response schema to serialize against.
const STREAMS = new Set(["/v1/event/stream", "/v1/agent/monitor"]);
/**
 * Input-free reads whose answer is free-form on purpose: Prometheus text, and the convergence
 * report's per-origin keys (see the routes' comments). New entries need a reason like these.
 */
const FREE_FORM_READS = new Set(["/metrics", "/v1/shoal/convergence"]);

describe("HTTP API input limits", () => {
  it("every route validates its inputs with a schema", async () => {
    const all = await routes();
    const real = all.filter((r) => !r.handlesMethod405);
    expect(real.length).toBeGreaterThan(40);
    for (const r of real) {
      const where = `${r.methods.join(",")} ${r.url}`;
      if (!FREE_FORM_READS.has(r.url)) expect(Object.keys(r.schema).length, where).toBeGreaterThan(0);
      if (r.url.includes(":")) expect(r.schema["params"], where).toBeDefined();
      if (r.jsonBody) expect(r.schema["body"], where).toBeDefined();
      if (r.methods.includes("GET") && !STREAMS.has(r.url) && !FREE_FORM_READS.has(r.url))
        expect(r.schema["response"], where).toBeDefined();
    }
  });

  it("answers 413 for a body over the limit and 431 for an oversized head", async () => {
    const f = await fixture({ bodyLimit: 1024 });
    const big = await f.request({
      method: "PUT",
      url: "/v1/event/fire/deploy",
      payload: Buffer.alloc(2048, 1),
    });
    expect(big.statusCode).toBe(413);
    expect(big.body).toBe("Request body too large");
    await f.app.listen({ host: "127.0.0.1", port: 0 });
    const address = f.app.server.address();
    if (address === null || typeof address === "string") throw new Error("not listening");
    const head = await fetch(`http://127.0.0.1:${address.port}/v1/agent/self`, {
      headers: { "x-junk": "x".repeat(20 * 1024) },
    });
    expect(head.status).toBe(431);
  });

  it("answers 400 with a message for a body that breaks the route's schema", async () => {
    const f = await fixture();
    const response = await f.put("/v1/agent/service/register", { Name: 42, Port: "eighty" });
    expect(response.statusCode).toBe(400);
    expect(response.body).toMatch(/^Request decode failed/);
  });
});
