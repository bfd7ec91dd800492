import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { formatLogLine } from "../../../src/http-api/routes/monitor.js";
import { member } from "../../support/in-memory-agent.js";
import { eventually } from "../agent/checks/servers.js";
import { fixture } from "./helpers.js";

async function listen(f: Awaited<ReturnType<typeof fixture>>): Promise<string> {
  await f.app.listen({ host: "127.0.0.1", port: 0 });
  return `http://127.0.0.1:${(f.app.server.address() as AddressInfo).port}`;
}

/** Reads a streamed body until `lines` lines arrived, then disconnects. */
async function readLines(url: string, lines: number, afterOpen: () => void): Promise<string[]> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  expect(response.status).toBe(200);
  afterOpen();
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of response.body!) {
    text += decoder.decode(chunk as Uint8Array, { stream: true });
    if (text.split("\n").length > lines) break;
  }
  controller.abort();
  return text.split("\n").slice(0, lines);
}

describe("streaming endpoints", () => {
  it("/v1/agent/monitor streams log lines at or above the level, and unsubscribes on disconnect", async () => {
    const f = await fixture();
    const base = await listen(f);
    const lines = await readLines(`${base}/v1/agent/monitor?loglevel=warn`, 2, () => {
      setTimeout(() => {
        f.agent.log("info", "quiet");
        f.agent.log("warn", "first");
        f.agent.log("error", "second");
      }, 20);
    });
    expect(lines[0]).toMatch(/\[WARN\] {2}agent: first$/);
    expect(lines[1]).toMatch(/\[ERROR\] agent: second$/);
    await eventually(() => f.agent.subscriptions().logs === 0);
  });

  it("/v1/agent/monitor?logjson streams JSON lines; bad levels are 400", async () => {
    const f = await fixture();
    const base = await listen(f);
    const [line] = await readLines(`${base}/v1/agent/monitor?loglevel=debug&logjson`, 1, () => {
      setTimeout(() => f.agent.log("debug", "hello"), 20);
    });
    expect(JSON.parse(line!)).toMatchObject({ "@level": "debug", "@message": "hello", "@module": "agent" });
    expect((await fetch(`${base}/v1/agent/monitor?loglevel=loud`)).status).toBe(400);
  });

  it("/v1/event/stream streams member and user events as NDJSON", async () => {
    const f = await fixture();
    const base = await listen(f);
    const lines = await readLines(`${base}/v1/event/stream`, 2, () => {
      setTimeout(() => {
        f.agent.setMember(member("node-b", "10.0.0.2"));
        void f.agent.fireEvent("deploy", new Uint8Array([104, 105]), {}, true);
      }, 20);
    });
    expect(JSON.parse(lines[0]!)).toMatchObject({
      Type: "member-join",
      Members: [{ Name: "node-b", Status: 1 }],
    });
    expect(JSON.parse(lines[1]!)).toMatchObject({ Type: "user", Event: { Name: "deploy", Payload: "aGk=" } });
    await eventually(() => f.agent.subscriptions().events === 1);
  });

  it("formats log lines like Consul's monitor", () => {
    expect(
      formatLogLine({
        timeMs: 0,
        level: "info",
        component: "agent",
        message: "joined",
        fields: { nodes: 3, name: "x" },
      }),
    ).toBe("1970-01-01T00:00:00.000Z [INFO]  agent: joined: nodes=3 name=x");
  });
});
