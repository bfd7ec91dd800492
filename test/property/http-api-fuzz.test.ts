/**
 * HTTP fuzzing: fast-check-generated methods, paths (every route template with random
 * parameters, plus junk), query strings and bodies, through inject(). No request may get a
 * 5xx, and the API must keep answering. The two streaming routes are left out: inject()
 * waits for a response end they never reach (they are covered over a socket elsewhere).
 * A second run goes through the ACL token check and the rate limit with fuzzed token
 * headers: refusals are 403/429, never a 5xx, and no write gets through without the token.
 */
import fc from "fast-check";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import Fastify from "fastify";
import { httpApi } from "../../src/http-api/plugin.js";
import { createHttpApiServer } from "../../src/http-api/server.js";
import { InMemoryAgent } from "../support/in-memory-agent.js";

const ROUTES = [
  "/v1/agent/self",
  "/v1/agent/members",
  "/v1/agent/join/:p",
  "/v1/agent/leave",
  "/v1/agent/force-leave/:p",
  "/v1/agent/maintenance",
  "/v1/agent/service/register",
  "/v1/agent/service/deregister/:p",
  "/v1/agent/services",
  "/v1/agent/service/:p",
  "/v1/agent/service/maintenance/:p",
  "/v1/agent/checks",
  "/v1/agent/check/pass/:p",
  "/v1/agent/check/warn/:p",
  "/v1/agent/check/fail/:p",
  "/v1/agent/check/update/:p",
  "/v1/agent/metrics",
  "/v1/catalog/services",
  "/v1/catalog/service/:p",
  "/v1/catalog/nodes",
  "/v1/catalog/node/:p",
  "/v1/catalog/datacenters",
  "/v1/health/service/:p",
  "/v1/health/node/:p",
  "/v1/health/checks/:p",
  "/v1/health/state/:p",
  "/v1/event/fire/:p",
  "/v1/event/list",
  "/v1/status/leader",
  "/v1/status/peers",
  "/v1/operator/keyring",
  "/v1/shoal/tags",
  "/v1/shoal/query",
  "/v1/agent/check/register",
  "/v1/agent/check/deregister/:p",
  "/v1/agent/health/service/id/:p",
  "/v1/agent/health/service/name/:p",
  "/metrics",
];

const KNOWN_PARAMS = [
  "index",
  "wait",
  "filter",
  "passing",
  "tag",
  "note",
  "enable",
  "reason",
  "prune",
  "hash",
  "name",
  "node",
  "service",
  "dc",
  "node-meta",
  "near",
  "replace-existing-checks",
  "format",
  "coalesce",
];

const paramValue = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    "web",
    "node-a",
    "service:web",
    "critical",
    "any",
    "true",
    "0",
    "5ms",
    "1",
    "99999999999999999999",
  ),
  fc.constantFrom(
    'Service.Tags contains "a"',
    "Checks.Status ==",
    "(",
    "ServicePort == 80",
    "ServiceMeta.x is empty",
  ),
);

const path = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(fc.constantFrom(...ROUTES), paramValue)
      .map(([route, p]) => route.replace(":p", encodeURIComponent(p) || "x")),
  },
  { weight: 1, arbitrary: fc.webPath().map((p) => (p.startsWith("/") ? p : `/${p}`)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }).map((s) => `/v1/${s}`) },
);

const query = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...KNOWN_PARAMS), fc.string({ maxLength: 5 })), paramValue), {
    maxLength: 4,
  })
  .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&"));

const registration = fc.record(
  {
    Name: fc.oneof(fc.string({ maxLength: 6 }), fc.constant("web")),
    ID: fc.string({ maxLength: 6 }),
    Port: fc.oneof(fc.integer(), fc.string({ maxLength: 3 })),
    Tags: fc.oneof(fc.array(fc.string({ maxLength: 4 })), fc.jsonValue()),
    Meta: fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.string({ maxLength: 4 }), fc.integer())),
    Check: fc.record(
      {
        TTL: fc.oneof(fc.constant("10s"), fc.string({ maxLength: 4 }), fc.integer()),
        HTTP: fc.oneof(fc.constant("http://127.0.0.1:9/"), fc.string({ maxLength: 8 })),
        TCP: fc.constantFrom("127.0.0.1:9", "x", "[::1]:70000"),
        Interval: fc.constantFrom("1s", "0", "x", ""),
        Status: fc.constantFrom("passing", "critical", "meh"),
        DeregisterCriticalServiceAfter: fc.constantFrom("1m", "-1s", "x"),
      },
      { requiredKeys: [] },
    ),
    Weights: fc.record({ Passing: fc.integer(), Warning: fc.integer() }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);

const body = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  registration.map((v) => JSON.stringify(v)),
  fc
    .record({
      Status: fc.constantFrom("passing", "x"),
      Output: fc.string(),
      Key: fc.string(),
      Name: fc.string(),
    })
    .map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 40 }),
  fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
);

const method = fc.constantFrom<"GET" | "PUT" | "POST" | "DELETE" | "PATCH" | "HEAD" | "OPTIONS">(
  "GET",
  "PUT",
  "POST",
  "DELETE",
  "PATCH",
  "HEAD",
  "OPTIONS",
);

const contentType = fc.constantFrom(
  undefined,
  "application/json",
  "text/plain",
  "application/octet-stream",
  "multipart/form-data; boundary=x",
);

const STREAMING = ["/v1/event/stream", "/v1/agent/monitor"];
/** Routes the in-memory agent does not implement (it has no convergence tracker): 501 by design. */
const NOT_IN_TEST_DOUBLE = ["/v1/shoal/convergence"];
const TOKEN = "fuzz-management-token";

/** Token headers as clients (and attackers) send them. */
const tokenHeaders: fc.Arbitrary<Readonly<Record<string, string>>> = fc.oneof<
  fc.Arbitrary<Readonly<Record<string, string>>>[]
>(
  fc.constant({}),
  fc.constant({ "x-consul-token": TOKEN }),
  fc.constant({ authorization: `Bearer ${TOKEN}` }),
  fc.string({ maxLength: 30 }).map((t) => ({ "x-consul-token": t })),
  fc.string({ maxLength: 30 }).map((t) => ({ authorization: t })),
  fc.string({ maxLength: 30 }).map((t) => ({ authorization: `Bearer ${t}` })),
);

/** Every registered route template, with its parameters written `:p` as in ROUTES. */
async function registeredRoutes(agent: InMemoryAgent): Promise<string[]> {
  const app = Fastify();
  const urls = new Set<string>();
  app.addHook("onRoute", (r) => void urls.add(r.url.replace(/:[^/]+/g, ":p")));
  await app.register(httpApi, { view: agent, control: agent });
  await app.ready();
  await app.close();
  return [...urls].sort();
}

describe("HTTP API fuzz", () => {
  let agent: InMemoryAgent;
  let app: FastifyInstance;

  beforeAll(async () => {
    const quiet = async () => ({ status: "passing" as const, output: "" });
    agent = new InMemoryAgent({
      registry: { runner: { stagger: false, probes: { http: quiet, tcp: quiet } } },
    });
    app = await createHttpApiServer({
      view: agent,
      control: agent,
      blocking: { defaultWaitMs: 5, maxWaitMs: 10 },
      bodyLimit: 4096,
      registry: new Registry(),
    });
  });

  afterAll(async () => {
    await app.close();
    agent.close();
  });

  it("never answers 5xx and keeps serving", async () => {
    await fc.assert(
      fc.asyncProperty(method, path, query, body, contentType, async (m, p, q, b, type) => {
        const response = await app.inject({
          method: m,
          url: q === "" ? p : `${p}?${q}`,
          ...(b === undefined ? {} : { payload: b }),
          ...(type === undefined ? {} : { headers: { "content-type": type } }),
        });
        if (response.statusCode >= 500) {
          throw new Error(`${m} ${p}?${q} → ${response.statusCode}: ${response.body}`);
        }
      }),
      { numRuns: Number(process.env["FUZZ_RUNS"] ?? 3000) },
    );
    expect((await app.inject({ method: "GET", url: "/v1/agent/self" })).statusCode).toBe(200);
  });

  it("fuzzes every route the API registers (but the streams and what the double lacks)", async () => {
    const fuzzed = new Set([...ROUTES, ...STREAMING, ...NOT_IN_TEST_DOUBLE]);
    expect((await registeredRoutes(agent)).filter((r) => !fuzzed.has(r))).toEqual([]);
  });

  it("through the ACL check and rate limit: 403/429 refusals, never a 5xx, no write without the token", async () => {
    const guarded = await createHttpApiServer({
      view: agent,
      control: agent,
      blocking: { defaultWaitMs: 5, maxWaitMs: 10 },
      bodyLimit: 4096,
      registry: new Registry(),
      acl: { token: TOKEN, defaultDeny: false },
      rateLimit: { max: 200, windowMs: 60_000 },
    });
    let client = 0;
    try {
      await fc.assert(
        fc.asyncProperty(method, path, query, body, tokenHeaders, async (m, p, q, b, headers) => {
          const response = await guarded.inject({
            method: m,
            url: q === "" ? p : `${p}?${q}`,
            // A fresh client address now and then, so both limited and unlimited paths run.
            remoteAddress: `127.0.${(client++ >> 8) & 0xff}.${client & 0xff}`,
            headers,
            ...(b === undefined ? {} : { payload: b }),
          });
          if (response.statusCode >= 500) {
            throw new Error(`${m} ${p}?${q} → ${response.statusCode}: ${response.body}`);
          }
          const isWrite = !["GET", "HEAD", "OPTIONS"].includes(m);
          const valid =
            headers["x-consul-token"] === TOKEN ||
            (headers["x-consul-token"] === undefined && headers.authorization === `Bearer ${TOKEN}`) ||
            new URLSearchParams(q).get("token") === TOKEN;
          if (isWrite && !valid && response.statusCode < 400) {
            throw new Error(`${m} ${p}?${q} without the token → ${response.statusCode}`);
          }
        }),
        { numRuns: Number(process.env["FUZZ_RUNS"] ?? 3000) },
      );
    } finally {
      await guarded.close();
    }
  });
});
