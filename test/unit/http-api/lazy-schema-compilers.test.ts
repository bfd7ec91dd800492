import { describe, expect, it } from "vitest";
import { LazySchemaCompilers } from "../../../src/http-api/lazy-schema-compilers.js";
import { fixture, json } from "./helpers.js";

describe("lazy schema compilers", () => {
  it("leave every route's schemas uncompiled at start-up, and all of them compile", async () => {
    const schemaCompilers = new LazySchemaCompilers();
    const { app } = await fixture({ schemaCompilers });
    await app.ready();
    // Every route with a querystring, params, body or response schema is still pending; a
    // schema fastify could not compile would throw here, as it would have at start-up.
    expect(schemaCompilers.compileAll()).toBeGreaterThan(50);
    expect(schemaCompilers.compileAll()).toBe(0);
  });

  it("compile a route on its first request and validate as fastify's defaults do", async () => {
    const schemaCompilers = new LazySchemaCompilers();
    const { get, put } = await fixture({ schemaCompilers });
    expect((await put("/v1/agent/service/register", { Name: "web", Port: 80 })).statusCode).toBe(200);
    // Coercion of query strings still happens (ajv's coerceTypes: "array"): `?index=0` is a number.
    const listed = await get("/v1/health/service/web?index=0");
    expect(listed.statusCode).toBe(200);
    expect(json<unknown[]>(listed)).toHaveLength(1);
    // A bad value is still refused with a 400 naming the parameter.
    const bad = await get("/v1/health/service/web?index=soon");
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/index/);
    // A wrongly typed body is refused too.
    const refused = await put("/v1/agent/service/register", { Name: "web", Port: "eighty" });
    expect(refused.statusCode).toBe(400);
    expect(Object.keys(json(await get("/v1/agent/services")))).toEqual(["web"]);
  });
});
