import { describe, expect, it } from "vitest";
import { fixture, json } from "./helpers.js";

interface Event {
  ID: string;
  Name: string;
  Payload: string | null;
  NodeFilter: string;
  ServiceFilter: string;
  TagFilter: string;
  Version: number;
}

describe("event routes", () => {
  it("PUT /v1/event/fire/:name takes the raw body as payload and the filters", async () => {
    const { put, agent } = await fixture();
    const response = await put(
      "/v1/event/fire/deploy?node=web.*&service=api&tag=v1",
      Buffer.from([0, 1, 2, 255]),
    );
    expect(response.statusCode).toBe(200);
    const event = json<Event>(response);
    expect(event).toMatchObject({
      Name: "deploy",
      NodeFilter: "web.*",
      ServiceFilter: "api",
      TagFilter: "v1",
      Version: 1,
    });
    expect(Buffer.from(event.Payload!, "base64")).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(agent.events()[0]!.payload).toEqual(new Uint8Array([0, 1, 2, 255]));
  });

  it("keeps JSON payloads byte for byte and reports an empty payload as null", async () => {
    const { put, request } = await fixture();
    const body = '{ "a" : 1 }';
    const response = await request({
      method: "PUT",
      url: "/v1/event/fire/cfg",
      payload: body,
      headers: { "content-type": "application/json" },
    });
    expect(Buffer.from(json<Event>(response).Payload!, "base64").toString()).toBe(body);
    expect(json<Event>(await put("/v1/event/fire/empty")).Payload).toBeNull();
  });

  it.each([
    ["/v1/event/fire/x?tag=v1", "without service filter"],
    ["/v1/event/fire/x?node=(", "not a regular expression"],
  ])("PUT %s is 400", async (url, message) => {
    const { put } = await fixture();
    const response = await put(url, "p");
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain(message);
  });

  it("refuses a payload over the agent's limit with 400", async () => {
    const { put } = await fixture();
    expect((await put("/v1/event/fire/big", "x".repeat(600))).statusCode).toBe(400);
  });

  it("GET /v1/event/list filters by name", async () => {
    const { put, get } = await fixture();
    await put("/v1/event/fire/a", "1");
    await put("/v1/event/fire/b", "2");
    await put("/v1/event/fire/a", "3");
    expect(json<Event[]>(await get("/v1/event/list")).map((e) => e.Name)).toEqual(["a", "b", "a"]);
    expect(json<Event[]>(await get("/v1/event/list?name=a"))).toHaveLength(2);
    expect((await get("/v1/event/list?index=x")).statusCode).toBe(400);
    expect((await get("/v1/event/fire/a")).statusCode).toBe(405);
  });
});
