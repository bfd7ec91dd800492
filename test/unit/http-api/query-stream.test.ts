import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { responseLines } from "../../../src/agent/cli/http-client.js";
import type { AgentControl, QueryListener, QueryResult } from "../../../src/http-api/agent-view.js";
import { createHttpApiServer } from "../../../src/http-api/server.js";
import { InvalidInputError } from "../../../src/errors.js";
import { fixture } from "./helpers.js";

const lines = (body: string): unknown[] =>
  body
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as unknown);

describe("POST /v1/shoal/query?stream", () => {
  it("answers newline-delimited JSON: acks, responses, then the totals", async () => {
    const { request } = await fixture();
    const answer = await request({
      method: "POST",
      url: "/v1/shoal/query?stream",
      payload: { Name: "ping", Payload: Buffer.from("hi").toString("base64") },
    });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers["content-type"]).toContain("application/x-ndjson");
    expect(lines(answer.body)).toEqual([
      { Type: "ack", From: "node-a" },
      { Type: "response", From: "node-a", Payload: "aGk=" },
      { Type: "done", TotalAcks: 1, TotalResponses: 1 },
    ]);
  });

  it("refuses a query the agent refuses with a plain 400, not a stream", async () => {
    const { agent } = await fixture();
    const control = Object.create(agent, {
      query: {
        value: async () => {
          throw new InvalidInputError("query payload is over the limit of 1024 bytes");
        },
      },
    }) as AgentControl;
    const app = await createHttpApiServer({ view: agent, control });
    const answer = await app.inject({
      method: "POST",
      url: "/v1/shoal/query?stream",
      payload: { Name: "q" },
    });
    expect(answer.statusCode).toBe(400);
    expect(answer.body).toMatch(/over the limit of 1024/);
    await app.close();
  });

  it("sends each answer when it arrives, before the query closes", async () => {
    const { agent } = await fixture();
    let close = (): void => undefined;
    const control = Object.create(agent, {
      query: {
        value: (_request: unknown, listener: QueryListener): Promise<QueryResult> => {
          listener.dispatched?.();
          listener.ack?.("node-a");
          setTimeout(() => listener.response?.("node-b", new TextEncoder().encode("late")), 20);
          return new Promise((resolve) => {
            close = () =>
              resolve({ acks: ["node-a"], responses: [{ from: "node-b", payload: new Uint8Array(4) }] });
          });
        },
      },
    }) as AgentControl;
    const app = await createHttpApiServer({ view: agent, control });
    await app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const { port } = app.server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/v1/shoal/query?stream`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ Name: "q" }),
      });
      const reader = responseLines(response);
      expect(JSON.parse((await reader.next()).value as string)).toEqual({ Type: "ack", From: "node-a" });
      expect(JSON.parse((await reader.next()).value as string)).toEqual({
        Type: "response",
        From: "node-b",
        Payload: Buffer.from("late").toString("base64"),
      });
      close();
      expect(JSON.parse((await reader.next()).value as string)).toEqual({
        Type: "done",
        TotalAcks: 1,
        TotalResponses: 1,
      });
      expect((await reader.next()).done).toBe(true);
    } finally {
      await app.close();
    }
  });
});
