import { describe, expect, it } from "vitest";
import { filter, fixture, json } from "./helpers.js";

describe("?filter= with matches", () => {
  it("answers 400 naming the problem for a pattern Shoal will not run", async () => {
    const { get } = await fixture();
    for (const [pattern, problem] of [
      ["(a)\\\\1", "backreferences are not supported"],
      ["a(?=b)", "lookahead and lookbehind are not supported"],
      ["x".repeat(600), "pattern is too long"],
      ["(x{1000}){1000}", "pattern is too complex"],
    ] as const) {
      const response = await get(`/v1/agent/services?${filter(`Service matches "${pattern}"`)}`);
      expect(response.statusCode).toBe(400);
      expect(response.body).toContain("invalid regular expression");
      expect(response.body).toContain(problem);
    }
  });

  it("evaluates a pattern that is catastrophic for backtracking engines at once", async () => {
    const { get, put } = await fixture();
    await put("/v1/agent/service/register", { Name: "web", Meta: { long: "a".repeat(512) } });
    const started = performance.now();
    const response = await get(`/v1/agent/services?${filter('Meta.long matches "(a+)+b$|.*.*.*b"')}`);
    expect(response.statusCode).toBe(200);
    expect(json<object>(response)).toEqual({});
    expect(performance.now() - started).toBeLessThan(2000);
    const hit = await get(`/v1/agent/services?${filter('Meta.long matches "(?i)^A{512}$"')}`);
    expect(Object.keys(json<object>(hit))).toEqual(["web"]);
  });
});
