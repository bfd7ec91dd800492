/**
 * ACL tokens on the HTTP API (src/http-api/auth.ts): with a management token every write needs
 * it, the keyring list and the log stream too; with default-deny every request. Refusals are
 * 403 with a plain-text reason; the token is accepted from X-Consul-Token, Authorization:
 * Bearer and ?token=. The rule is chosen by the route the router matched, so percent-encoded,
 * absolute-form and otherwise disguised spellings of a path are refused like the plain one
 * (sent over a real socket: inject() normalises URLs before the router sees them).
 */
import type { AddressInfo } from "node:net";
import { describe, expect, it, vi } from "vitest";
import { type AclOptions, needsToken, requestToken } from "../../../src/http-api/auth.js";
import { rawRequest } from "../../support/raw-http.js";
import { type Fixture, fixture } from "../http-api/helpers.js";

const TOKEN = "s3cret-management-token";
const register = { Name: "web", Port: 80 };

describe("ACL tokens", () => {
  it("refuses a write without a token with 403 and a message naming the headers", async () => {
    const f = await fixture({ acl: { token: TOKEN, defaultDeny: false } });
    const response = await f.put("/v1/agent/service/register", register);
    expect(response.statusCode).toBe(403);
    expect(response.body).toMatch(/Permission denied.*X-Consul-Token.*Authorization: Bearer/);
    expect((await f.get("/v1/agent/services")).body).toBe("{}");
  });

  it("refuses a wrong token", async () => {
    const f = await fixture({ acl: { token: TOKEN, defaultDeny: false } });
    const response = await f.request({
      method: "PUT",
      url: "/v1/agent/service/register",
      payload: JSON.stringify(register),
      headers: { "x-consul-token": `${TOKEN}x` },
    });
    expect(response.statusCode).toBe(403);
    expect(response.body).toBe("Permission denied: ACL token not found");
  });

  it.each([
    ["X-Consul-Token", { "x-consul-token": TOKEN }, ""],
    ["Authorization: Bearer", { authorization: `Bearer ${TOKEN}` }, ""],
    ["?token=", {}, `?token=${TOKEN}`],
  ])("accepts the token from %s", async (_name, headers, query) => {
    const f = await fixture({ acl: { token: TOKEN, defaultDeny: false } });
    const response = await f.request({
      method: "PUT",
      url: `/v1/agent/service/register${query}`,
      payload: JSON.stringify(register),
      headers,
    });
    expect(response.statusCode).toBe(200);
  });

  it("leaves ordinary reads open without default-deny, but guards the keyring list", async () => {
    const f = await fixture({ acl: { token: TOKEN, defaultDeny: false } });
    expect((await f.get("/v1/agent/members")).statusCode).toBe(200);
    expect((await f.get("/v1/catalog/services")).statusCode).toBe(200);
    expect((await f.get("/v1/operator/keyring")).statusCode).toBe(403);
    expect((await f.get("/v1/operator/keyring", { "x-consul-token": TOKEN })).statusCode).toBe(200);
  });

  it("with default-deny refuses every read without the token", async () => {
    const f = await fixture({ acl: { token: TOKEN, defaultDeny: true } });
    for (const url of ["/v1/agent/self", "/v1/agent/members", "/v1/health/service/web"]) {
      const refused = await f.get(url);
      expect(refused.statusCode, url).toBe(403);
      expect(refused.body).toMatch(/^Permission denied/);
      expect((await f.get(url, { "x-consul-token": TOKEN })).statusCode, url).toBe(200);
    }
  });

  it("with default-deny leaves Consul's open status reads open (probes need no token), writes still not", async () => {
    const f = await fixture({ acl: { token: TOKEN, defaultDeny: true } });
    for (const url of ["/v1/status/leader", "/v1/status/peers"]) {
      expect((await f.get(url)).statusCode, url).toBe(200);
    }
    expect((await f.put("/v1/agent/service/register", register)).statusCode).toBe(403);
  });

  it("without a token configured, nothing is refused", async () => {
    const f = await fixture();
    expect((await f.put("/v1/agent/service/register", register)).statusCode).toBe(200);
  });

  it("classifies requests by the matched route's template", () => {
    expect(needsToken("GET", "/v1/agent/members", false)).toBe(false);
    expect(needsToken("HEAD", "/v1/catalog/nodes", false)).toBe(false);
    expect(needsToken("GET", "/v1/agent/service/:id", false)).toBe(false);
    expect(needsToken("GET", "/v1/agent/members", true)).toBe(true);
    expect(needsToken("PUT", "/v1/agent/leave", false)).toBe(true);
    expect(needsToken("DELETE", "/v1/operator/keyring", false)).toBe(true);
    expect(needsToken("GET", "/v1/operator/keyring", false)).toBe(true);
    expect(needsToken("HEAD", "/v1/operator/keyring", false)).toBe(true);
    expect(needsToken("GET", "/v1/agent/monitor", false)).toBe(true);
    // Mounted under a prefix, the same routes are still guarded.
    expect(needsToken("GET", "/api/v1/operator/keyring", false)).toBe(true);
    // No matched route: refuse rather than guess.
    expect(needsToken("GET", undefined, false)).toBe(true);
  });

  it("reads the token from headers before the query", () => {
    const req = (headers: Record<string, string>, query: Record<string, string> = {}) =>
      requestToken({ headers, query } as never);
    expect(req({ "x-consul-token": "a", authorization: "Bearer b" }, { token: "c" })).toBe("a");
    expect(req({ authorization: "bearer  b " })).toBe("b");
    expect(req({ authorization: "Basic Zm9v" })).toBeUndefined();
    expect(req({}, { token: "c" })).toBe("c");
    expect(req({})).toBeUndefined();
  });
});

/** The gossip key the in-memory agent holds: no refused answer may contain it. */
const GOSSIP_KEY = "cg8StVXbQJ0gPvMd9o7yrg==";

/** A fixture listening on loopback, for request targets that must reach the router as sent. */
async function listening(acl: AclOptions): Promise<{ f: Fixture; port: number }> {
  const f = await fixture({ acl });
  await f.app.listen({ host: "127.0.0.1", port: 0 });
  return { f, port: (f.app.server.address() as AddressInfo).port };
}

/**
 * Spellings of the two sensitive reads that fastify's router still matches (it percent-decodes
 * the path, drops a fragment, and accepts an absolute-form target) while their text differs
 * from the route's. Each of these got the keys or the log stream without a token before the
 * check asked the router which route it had matched.
 */
const ROUTED_SPELLINGS = [
  "/v1/operator/%6Beyring",
  "/v1/operator/%6beyring",
  "/%76%31/%6F%70%65%72%61%74%6F%72/%6B%65%79%72%69%6E%67",
  "/v1/operator/keyring#fragment",
  "http://127.0.0.1/v1/operator/keyring",
  "http://127.0.0.1/v1/operator/%6Beyring?relay-factor=1",
  "/v1/agent/%6Donitor",
  "/v1/agent/%6donitor?loglevel=debug",
  "/v1/%61gent/monitor#x",
  "http://127.0.0.1/v1/agent/monitor",
];

/**
 * Spellings the router does not match with Shoal's settings (fastify's defaults: case-sensitive,
 * no trailing- or duplicate-slash folding, no dot-segment resolution, `%2F` stays inside a
 * segment, `;` is not a delimiter). If a router option changes, the test below still demands a
 * 403 without the token for every spelling that now routes, and its last check asks for the
 * spelling to be moved to the list above.
 */
const UNROUTED_SPELLINGS = [
  "/v1/operator%2Fkeyring",
  "/v1%2Foperator%2Fkeyring",
  "/v1/operator/%2Fkeyring",
  "/v1/operator/keyring/",
  "//v1/operator/keyring",
  "/v1//operator/keyring",
  "/v1/operator/Keyring",
  "/V1/OPERATOR/KEYRING",
  "/v1/operator/./keyring",
  "/v1/operator/%2e/keyring",
  "/v1/x/../operator/keyring",
  "/v1/operator/keyring;x",
  "/v1/operator/keyring%00",
  "/v1/operator\\keyring",
  "/v1/agent/monitor/",
  "//v1/agent/monitor",
  "/v1/agent/Monitor",
  "/v1/agent%2Fmonitor",
];

describe("ACL tokens against obfuscated paths", () => {
  it("refuses every spelling the router matches to the keyring or monitor, and routes no other", async () => {
    const { f, port } = await listening({ token: TOKEN, defaultDeny: false });
    const routed: string[] = [];
    for (const target of [...ROUTED_SPELLINGS, ...UNROUTED_SPELLINGS]) {
      const refused = await rawRequest(port, "GET", target);
      const allowed = await rawRequest(port, "GET", target, { headers: { "x-consul-token": TOKEN } });
      expect(refused.body, target).not.toContain(GOSSIP_KEY);
      if (allowed.status === 200) {
        routed.push(target);
        expect(refused.status, target).toBe(403);
        expect(refused.body, target).toBe(
          "Permission denied: this request needs the ACL token (header X-Consul-Token or Authorization: Bearer)",
        );
        // The keyring answers in full; the monitor is a stream the client hangs up on.
        if (target.includes("onitor")) expect(allowed.complete, target).toBe(false);
        else expect(allowed.body, target).toContain(GOSSIP_KEY);
      } else {
        // Unknown to the router: the not-found answer, the same with or without the token.
        for (const r of [refused, allowed]) {
          expect(r.status, target).toBe(404);
          expect(r.body, target).toBe("404 page not found");
        }
      }
    }
    expect(routed).toEqual(ROUTED_SPELLINGS);
    // Hanging up on the monitor released its log subscription.
    await vi.waitFor(() => expect(f.agent.subscriptions().logs).toBe(0));
  });

  it("refuses a wrong token on an encoded spelling, and HEAD like GET", async () => {
    const { port } = await listening({ token: TOKEN, defaultDeny: false });
    const wrong = await rawRequest(port, "GET", "/v1/operator/%6Beyring", {
      headers: { authorization: `Bearer ${TOKEN}x` },
    });
    expect([wrong.status, wrong.body]).toEqual([403, "Permission denied: ACL token not found"]);
    expect((await rawRequest(port, "HEAD", "/v1/operator/%6Beyring")).status).toBe(403);
    expect(
      (await rawRequest(port, "HEAD", "/v1/operator/%6Beyring", { headers: { "x-consul-token": TOKEN } }))
        .status,
    ).toBe(200);
  });

  it("refuses encoded writes without the token", async () => {
    const { f, port } = await listening({ token: TOKEN, defaultDeny: false });
    for (const target of ["/v1/agent/%6Ceave", "http://127.0.0.1/v1/agent/leave", "/v1/agent/leave#x"]) {
      expect((await rawRequest(port, "PUT", target)).status, target).toBe(403);
      expect(f.agent.left, target).toBe(false);
    }
    const allowed = await rawRequest(port, "PUT", "/v1/agent/%6Ceave", {
      headers: { "x-consul-token": TOKEN },
    });
    expect(allowed.status).toBe(200);
    expect(f.agent.left).toBe(true);
  });

  it("with default-deny refuses encoded spellings of ordinary reads", async () => {
    const { port } = await listening({ token: TOKEN, defaultDeny: true });
    for (const target of [
      "/v1/agent/%73elf",
      "/v1/%63atalog/services",
      "/v1/health/service/%77eb",
      "http://127.0.0.1/v1/agent/self",
      "/v1/agent/members#x",
    ]) {
      const refused = await rawRequest(port, "GET", target);
      expect(refused.status, target).toBe(403);
      expect(refused.body, target).toMatch(/^Permission denied/);
      const allowed = await rawRequest(port, "GET", target, { headers: { "x-consul-token": TOKEN } });
      expect(allowed.status, target).toBe(200);
    }
  });

  it("through inject() too", async () => {
    const f = await fixture({ acl: { token: TOKEN, defaultDeny: false } });
    for (const url of ["/v1/operator/%6Beyring", "/%76%31/operator/k%65yring?relay-factor=1"]) {
      const refused = await f.get(url);
      expect(refused.statusCode, url).toBe(403);
      expect(refused.body, url).not.toContain(GOSSIP_KEY);
      expect((await f.get(url, { "x-consul-token": TOKEN })).statusCode, url).toBe(200);
    }
  });
});
