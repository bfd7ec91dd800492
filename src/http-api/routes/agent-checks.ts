/**
 * Agent check endpoints: the local checks, check register/deregister and TTL reports (pass,
 * warn, fail, update).
 */
import { Type } from "@sinclair/typebox";
import { parseCheckRegistration } from "../../agent/catalog/check-registration.js";
import type { TtlUpdateResult } from "../../agent/catalog/local-registry.js";
import type { CheckStatus } from "../../agent/catalog/record.js";
import { type AgentApiError, badRequest, notFound } from "../api-error.js";
import { applyFilter, filterParam, single } from "../params.js";
import type { RouteContext } from "../route-context.js";
import { HealthCheckSchema, PathParams, QueryString, QueryValue } from "../schemas.js";
import { checkJson } from "../shapes.js";

const TTL_ROUTES: readonly (readonly [string, CheckStatus])[] = [
  ["pass", "passing"],
  ["warn", "warning"],
  ["fail", "critical"],
];

const UpdateBody = Type.Object(
  {
    Status: Type.String(),
    Output: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  },
  { additionalProperties: true },
);

/** A check registration; the fields are checked (CamelCase or snake_case) by parseCheckRegistration. */
const RegisterBody = Type.Object({}, { additionalProperties: true });

function unknownCheck(checkId: string): AgentApiError {
  return notFound(`Unknown check ID "${checkId}". Ensure that the check ID is passed, not the check name.`);
}

function answer(result: TtlUpdateResult, checkId: string): void {
  if (result === "unknown") throw unknownCheck(checkId);
  if (result === "not-ttl") throw badRequest(`Check "${checkId}" is not a TTL check`);
}

/** Registers the agent check routes. */
export function checkRoutes({ app, view, control }: RouteContext): void {
  app.get(
    "/v1/agent/checks",
    {
      schema: {
        querystring: QueryString({ filter: QueryValue }),
        response: { 200: Type.Record(Type.String(), HealthCheckSchema) },
      },
    },
    async (request) => {
      const predicate = filterParam(request.query, HealthCheckSchema);
      const checks = applyFilter(view.catalog.localChecks().map(checkJson), predicate);
      return Object.fromEntries(checks.map((c) => [c.CheckID, c]));
    },
  );

  app.put(
    "/v1/agent/check/register",
    {
      config: { jsonBody: true },
      schema: { body: RegisterBody },
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null)
          throw badRequest("Request decode failed: empty body");
      },
    },
    async (request, reply) => {
      const check = parseCheckRegistration(request.body);
      if ((await control.registerCheck(check)) === "unknown-service") {
        throw notFound(`ServiceID "${check.ServiceID}" does not exist`);
      }
      return reply.send();
    },
  );

  app.put(
    "/v1/agent/check/deregister/:id",
    { schema: { params: PathParams("id") } },
    async (request, reply) => {
      if (!(await control.deregisterCheck(request.params.id))) throw unknownCheck(request.params.id);
      return reply.send();
    },
  );

  for (const [verb, status] of TTL_ROUTES) {
    app.put(
      `/v1/agent/check/${verb}/:id`,
      { schema: { params: PathParams("id"), querystring: QueryString({ note: QueryValue }) } },
      async (request, reply) => {
        const note = single(request.query, "note") ?? "";
        answer(await control.updateTtlCheck(request.params.id, status, note), request.params.id);
        return reply.send();
      },
    );
  }

  app.put(
    "/v1/agent/check/update/:id",
    {
      config: { jsonBody: true },
      schema: { params: PathParams("id"), body: UpdateBody },
    },
    async (request, reply) => {
      const { Status, Output } = request.body;
      if (Status !== "passing" && Status !== "warning" && Status !== "critical") {
        throw badRequest(`Invalid check status: "${Status}"`);
      }
      answer(await control.updateTtlCheck(request.params.id, Status, Output ?? ""), request.params.id);
      return reply.send();
    },
  );
}
