/**
 * Shoal's own endpoints for Serf features Consul has no HTTP shape for: `PUT /v1/shoal/tags`
 * (change this agent's tags), `POST /v1/shoal/query` (a Serf query, run to completion, or
 * with `?stream` its answers as they arrive: see ../query-stream.ts) and
 * `GET /v1/shoal/convergence` (membership and catalog digests, per-origin versions,
 * propagation delays). All are optional on the agent; without them the answer is 501.
 */
import { Type } from "@sinclair/typebox";
import { parseGoDuration } from "../../agent/catalog/go-duration.js";
import { AgentApiError, badRequest } from "../api-error.js";
import { flag } from "../params.js";
import { streamQuery } from "../query-stream.js";
import type { RouteContext } from "../route-context.js";
import { QueryString, QueryValue } from "../schemas.js";

const TagsBody = Type.Object(
  {
    Set: Type.Optional(Type.Record(Type.String(), Type.String())),
    Delete: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: true },
);

const QueryBody = Type.Object(
  {
    Name: Type.String({ minLength: 1 }),
    Payload: Type.Optional(Type.String()),
    FilterNodes: Type.Optional(Type.Array(Type.String())),
    FilterTags: Type.Optional(Type.Record(Type.String(), Type.String())),
    RequestAck: Type.Optional(Type.Boolean()),
    RelayFactor: Type.Optional(Type.Integer({ minimum: 0, maximum: 5 })),
    Timeout: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

const QueryAnswer = Type.Object({
  Acks: Type.Array(Type.String()),
  Responses: Type.Array(Type.Object({ From: Type.String(), Payload: Type.String() })),
});

function base64(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw badRequest("Payload must be base64");
  return new Uint8Array(Buffer.from(text, "base64"));
}

/** Registers the Shoal-specific routes. */
export function shoalRoutes({ app, control, view, streamBacklogBytes }: RouteContext): void {
  // The report's shape is fixed by ConvergenceReport; no response schema, so fastify does not
  // drop the per-origin keys it cannot know in advance.
  app.get("/v1/shoal/convergence", async () => {
    if (view.convergence === undefined)
      throw new AgentApiError(501, "convergence metrics are not supported by this agent");
    return view.convergence();
  });

  app.put(
    "/v1/shoal/tags",
    {
      config: { jsonBody: true },
      schema: {
        body: TagsBody,
        response: { 200: Type.Object({ Tags: Type.Record(Type.String(), Type.String()) }) },
      },
    },
    async (request) => {
      if (control.setTags === undefined)
        throw new AgentApiError(501, "changing tags is not supported by this agent");
      const tags = await control.setTags(request.body.Set ?? {}, request.body.Delete ?? []);
      return { Tags: { ...tags } };
    },
  );

  app.post(
    "/v1/shoal/query",
    {
      config: { jsonBody: true },
      schema: {
        querystring: QueryString({ stream: QueryValue }),
        body: QueryBody,
        // Not applied to the ?stream answer: fastify sends a stream as it is.
        response: { 200: QueryAnswer },
      },
    },
    async (request, reply) => {
      const query = control.query?.bind(control);
      if (query === undefined) throw new AgentApiError(501, "queries are not supported by this agent");
      const body = request.body;
      let timeoutMs = 0;
      if (body.Timeout !== undefined && body.Timeout !== "") {
        try {
          timeoutMs = parseGoDuration(body.Timeout);
        } catch {
          throw badRequest(`Invalid Timeout "${body.Timeout}"`);
        }
        if (timeoutMs < 0) throw badRequest(`Invalid Timeout "${body.Timeout}"`);
      }
      const queryRequest = {
        name: body.Name,
        payload: base64(body.Payload ?? ""),
        filterNodes: body.FilterNodes ?? [],
        filterTags: body.FilterTags ?? {},
        requestAck: body.RequestAck ?? true,
        relayFactor: body.RelayFactor ?? 0,
        timeoutMs,
      };
      if (flag(request.query, "stream")) {
        return streamQuery(reply, streamBacklogBytes, (listener) => query(queryRequest, listener));
      }
      const result = await query(queryRequest);
      return {
        Acks: [...result.acks],
        Responses: result.responses.map((r) => ({
          From: r.from,
          Payload: Buffer.from(r.payload).toString("base64"),
        })),
      };
    },
  );
}
