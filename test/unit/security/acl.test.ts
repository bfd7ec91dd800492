/**
 * ACL tokens on the HTTP API (src/http-api/auth.ts): with a management token every write needs
 * it, the keyring list and the log stream too; with default-deny every request. Refusals are
 * 403 with a plain-text reason; the token is accepted from X-Consul-Token, Authorization:
 * Bearer and ?token=.
 */
import { describe, expect, it } from "vitest";
import { needsToken, requestToken } from "../../../src/http-api/auth.js";
import { fixture } from "../http-api/helpers.js";

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
    for (const url of [
      "/v1/agent/self",
      "/v1/agent/members",
      "/v1/health/service/web",
      "/v1/status/leader",
    ]) {
      const refused = await f.get(url);
      expect(refused.statusCode, url).toBe(403);
      expect(refused.body).toMatch(/^Permission denied/);
      expect((await f.get(url, { "x-consul-token": TOKEN })).statusCode, url).toBe(200);
    }
  });

  it("without a token configured, nothing is refused", async () => {
    const f = await fixture();
    expect((await f.put("/v1/agent/service/register", register)).statusCode).toBe(200);
  });

  it("classifies requests", () => {
    expect(needsToken("GET", "/v1/agent/members", false)).toBe(false);
    expect(needsToken("HEAD", "/v1/catalog/nodes?x=1", false)).toBe(false);
    expect(needsToken("GET", "/v1/agent/members", true)).toBe(true);
    expect(needsToken("PUT", "/v1/agent/leave", false)).toBe(true);
    expect(needsToken("DELETE", "/v1/operator/keyring", false)).toBe(true);
    expect(needsToken("GET", "/v1/operator/keyring?relay-factor=1", false)).toBe(true);
    expect(needsToken("GET", "/v1/agent/monitor", false)).toBe(true);
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
