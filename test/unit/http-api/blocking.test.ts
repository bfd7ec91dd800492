import { describe, expect, it } from "vitest";
import { parseBlocking } from "../../../src/http-api/blocking.js";
import { fixture, json } from "./helpers.js";
import { remoteNode } from "./remote.js";

const limits = { defaultWaitMs: 300_000, maxWaitMs: 600_000 };

describe("blocking query parameters", () => {
  it("parses index and Go-duration waits, capping at the maximum", () => {
    expect(parseBlocking({}, limits)).toEqual({ index: undefined, waitMs: 300_000 });
    expect(parseBlocking({ index: "12", wait: "5s" }, limits)).toEqual({ index: 12, waitMs: 5000 });
    expect(parseBlocking({ index: ["3", "4"], wait: "15" }, limits)).toEqual({ index: 3, waitMs: 15_000 });
    expect(parseBlocking({ wait: "1h" }, limits).waitMs).toBe(600_000);
    expect(() => parseBlocking({ index: "-1" }, limits)).toThrow("Invalid index");
    expect(() => parseBlocking({ wait: "-1s" }, limits)).toThrow("Invalid wait");
  });
});

describe("blocking queries", () => {
  it("wake when the watched service changes, not before", async () => {
    const { get, put } = await fixture();
    await put("/v1/agent/service/register", { Name: "web" });
    const first = await get("/v1/health/service/web");
    const index = Number(first.headers["x-consul-index"]);
    let done = false;
    const waiting = get(`/v1/health/service/web?index=${index}&wait=5s`).then((r) => {
      done = true;
      return r;
    });
    await put("/v1/agent/service/register", { Name: "other" });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(done).toBe(false);
    await put("/v1/agent/service/register", { Name: "web", Port: 99 });
    const woken = await waiting;
    expect(Number(woken.headers["x-consul-index"])).toBeGreaterThan(index);
    expect(json<{ Service: { Port: number } }[]>(woken)[0]!.Service.Port).toBe(99);
  });

  it("wake on a node failure (serfHealth) for that node's services", async () => {
    const { get, agent } = await fixture();
    remoteNode(agent, "node-b", "10.0.0.2", [{ service: { ID: "api", Service: "api" } }]);
    const index = Number((await get("/v1/health/service/api")).headers["x-consul-index"]);
    const waiting = get(`/v1/health/service/api?index=${index}&wait=5s&passing`);
    setTimeout(() => agent.catalog.setNodeStatus("node-b", "failed"), 20);
    expect(json(await waiting)).toEqual([]);
  });

  it("time out with the same index", async () => {
    const { get } = await fixture();
    const index = Number((await get("/v1/catalog/nodes")).headers["x-consul-index"]);
    const started = Date.now();
    const response = await get(`/v1/catalog/nodes?index=${index}&wait=60ms`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(Number(response.headers["x-consul-index"])).toBe(index);
  });

  it("answer at once for an index from the future (a restarted agent) and never report index 0", async () => {
    const { get } = await fixture();
    const started = Date.now();
    const response = await get("/v1/catalog/service/none?index=999999&wait=10s");
    expect(Date.now() - started).toBeLessThan(1000);
    expect(response.headers["x-consul-index"]).toBe("1");
  });

  it("serve the event list as a blocking endpoint", async () => {
    const { get, put } = await fixture();
    const index = Number((await get("/v1/event/list")).headers["x-consul-index"]);
    const waiting = get(`/v1/event/list?index=${index}&wait=5s`);
    setTimeout(() => void put("/v1/event/fire/deploy", "v2"), 20);
    const events = json<{ Name: string }[]>(await waiting);
    expect(events.map((e) => e.Name)).toEqual(["deploy"]);
  });
});
