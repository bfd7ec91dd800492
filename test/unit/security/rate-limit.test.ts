/**
 * Per-client rate limiting (src/http-api/rate-limit.ts): a client over the limit gets 429
 * with a plain-text reason and Retry-After; other clients are unaffected; token guessing is
 * limited too because the limit runs before the ACL check.
 */
import { describe, expect, it } from "vitest";
import { fixture } from "../http-api/helpers.js";

describe("rate limit", () => {
  it("answers 429 past the limit, per client address", async () => {
    const f = await fixture({ rateLimit: { max: 5, windowMs: 60_000 } });
    const from = (remoteAddress: string) =>
      f.request({ method: "GET", url: "/v1/agent/members", remoteAddress });
    for (let i = 0; i < 5; i++) expect((await from("127.0.0.2")).statusCode).toBe(200);
    const refused = await from("127.0.0.2");
    expect(refused.statusCode).toBe(429);
    expect(refused.headers["content-type"]).toMatch(/^text\/plain/);
    expect(refused.body).toMatch(/^Too many requests: the limit is 5 per 60000 ms per client; retry in/);
    expect(refused.headers["retry-after"]).toBeDefined();
    expect((await from("127.0.0.3")).statusCode).toBe(200);
  });

  it("limits refused token guesses as well", async () => {
    const f = await fixture({
      rateLimit: { max: 3, windowMs: 60_000 },
      acl: { token: "right", defaultDeny: true },
    });
    const guess = (token: string) =>
      f.request({ method: "GET", url: "/v1/agent/self", headers: { "x-consul-token": token } });
    for (let i = 0; i < 3; i++) expect((await guess(`wrong${i}`)).statusCode).toBe(403);
    expect((await guess("right")).statusCode).toBe(429);
  });

  it("refuses nonsensical settings", async () => {
    await expect(fixture({ rateLimit: { max: 0, windowMs: 1000 } })).rejects.toThrow(/max >= 1/);
  });
});
