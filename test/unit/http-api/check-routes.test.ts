import { describe, expect, it } from "vitest";
import { filter, fixture, json } from "./helpers.js";

interface Check {
  Status: string;
  Output: string;
  ServiceID: string;
}

async function withTtl() {
  const f = await fixture();
  await f.put("/v1/agent/service/register", {
    Name: "web",
    Checks: [
      { TTL: "30s", CheckID: "ttl" },
      { TCP: "127.0.0.1:1", Interval: "1h", CheckID: "tcp" },
    ],
  });
  return f;
}

describe("agent check routes", () => {
  it("GET /v1/agent/checks lists local checks keyed by ID, with ?filter", async () => {
    const { get } = await withTtl();
    const checks = json<Record<string, Check>>(await get("/v1/agent/checks"));
    expect(Object.keys(checks)).toEqual(["tcp", "ttl"]);
    expect(checks["ttl"]).toMatchObject({ Status: "critical", ServiceID: "web" });
    expect(Object.keys(json<object>(await get(`/v1/agent/checks?${filter('Type == "ttl"')}`)))).toEqual([
      "ttl",
    ]);
  });

  it.each([
    ["pass", "passing"],
    ["warn", "warning"],
    ["fail", "critical"],
  ])("PUT /v1/agent/check/%s/:id sets %s with the note as output", async (verb, status) => {
    const { put, get } = await withTtl();
    expect(
      (await put(`/v1/agent/check/${verb}/ttl?note=${encodeURIComponent("hello there")}`)).statusCode,
    ).toBe(200);
    expect(json<Record<string, Check>>(await get("/v1/agent/checks"))["ttl"]).toMatchObject({
      Status: status,
      Output: "hello there",
    });
  });

  it("answers 404 for unknown checks and 400 for non-TTL checks", async () => {
    const { put } = await withTtl();
    const unknown = await put("/v1/agent/check/pass/nope");
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toContain('Unknown check ID "nope"');
    expect((await put("/v1/agent/check/pass/tcp")).statusCode).toBe(400);
  });

  it("PUT /v1/agent/check/update/:id takes Status and Output", async () => {
    const { put, get } = await withTtl();
    expect((await put("/v1/agent/check/update/ttl", { Status: "warning", Output: "slow" })).statusCode).toBe(
      200,
    );
    expect(json<Record<string, Check>>(await get("/v1/agent/checks"))["ttl"]).toMatchObject({
      Status: "warning",
      Output: "slow",
    });
    expect((await put("/v1/agent/check/update/ttl", { Status: "fine" })).statusCode).toBe(400);
    expect((await put("/v1/agent/check/update/ttl", { Output: "x" })).statusCode).toBe(400);
    expect((await put("/v1/agent/check/update/ttl")).statusCode).toBe(400);
    expect((await put("/v1/agent/check/update/nope", { Status: "passing" })).statusCode).toBe(404);
  });

  it("truncates long notes to 4 KB", async () => {
    const { put, get } = await withTtl();
    await put(`/v1/agent/check/pass/ttl?note=${"n".repeat(6000)}`);
    expect(json<Record<string, Check>>(await get("/v1/agent/checks"))["ttl"]!.Output).toHaveLength(4096);
  });
});
