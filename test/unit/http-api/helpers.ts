import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { afterEach } from "vitest";
import { createHttpApiServer, type HttpApiServerOptions } from "../../../src/http-api/server.js";
import { InMemoryAgent, type InMemoryAgentOptions } from "../../support/in-memory-agent.js";

/** An API server over an in-memory agent. */
export interface Fixture {
  readonly agent: InMemoryAgent;
  readonly app: FastifyInstance;
  get(url: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  put(url: string, body?: unknown): Promise<LightMyRequestResponse>;
  request(options: InjectOptions): Promise<LightMyRequestResponse>;
}

const open: Fixture[] = [];
afterEach(async () => {
  for (const f of open.splice(0)) {
    await f.app.close();
    f.agent.close();
  }
});

/** Builds a fixture that is closed after the test. */
export async function fixture(
  options: Partial<HttpApiServerOptions> = {},
  agentOptions: InMemoryAgentOptions = {},
): Promise<Fixture> {
  const agent = new InMemoryAgent({
    registry: { runner: { stagger: false, minIntervalMs: 10 } },
    ...agentOptions,
  });
  const app = await createHttpApiServer({ view: agent, control: agent, ...options });
  const f: Fixture = {
    agent,
    app,
    get: (url, headers = {}) => app.inject({ method: "GET", url, headers }),
    put: (url, body) =>
      app.inject({
        method: "PUT",
        url,
        ...(body === undefined
          ? {}
          : typeof body === "string" || Buffer.isBuffer(body)
            ? { payload: body }
            : { payload: JSON.stringify(body), headers: { "content-type": "application/json" } }),
      }),
    request: (o) => app.inject(o),
  };
  open.push(f);
  return f;
}

/** The JSON body of a response. */
export function json<T = unknown>(response: LightMyRequestResponse): T {
  return JSON.parse(response.body) as T;
}

/** URL-encodes a filter expression. */
export function filter(expression: string): string {
  return `filter=${encodeURIComponent(expression)}`;
}
