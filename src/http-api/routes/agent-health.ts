/**
 * Local service health for load balancers: `GET /v1/agent/health/service/id/:id` and
 * `.../name/:name`. Answered from this agent's own checks (its node-level checks count for
 * every service, as in Consul; serfHealth is not a local check), with the aggregated status
 * in the HTTP code: 200 passing, 429 warning, 503 critical or maintenance, 404 unknown.
 * `?format=text` (or `Accept: text/plain`) returns only the status word.
 */
import { Type } from "@sinclair/typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { AgentService } from "../../agent/catalog/record.js";
import {
  type AggregatedStatus,
  aggregatedStatus,
  aggregatedStatusCode,
  worseStatus,
} from "../aggregated-status.js";
import { badRequest } from "../api-error.js";
import { type Query, single } from "../params.js";
import { datacenterOf, type RouteContext } from "../route-context.js";
import { AgentServiceSchema, HealthCheckSchema, PathParams, QueryString, QueryValue } from "../schemas.js";
import { checkJson, serviceJson } from "../shapes.js";

/** Consul's AgentServiceChecksInfo; Service and Checks are null in the 404 answer by ID. */
const ChecksInfoSchema = Type.Object({
  AggregatedStatus: Type.String(),
  Service: Type.Union([AgentServiceSchema, Type.Null()]),
  Checks: Type.Union([Type.Array(HealthCheckSchema), Type.Null()]),
});

const ById = Type.Union([ChecksInfoSchema, Type.String()]);
const ByName = Type.Union([Type.Array(ChecksInfoSchema), Type.String()]);

function wantsText(request: FastifyRequest): boolean {
  const format = single(request.query as Query, "format");
  if (format !== undefined && format !== "") return format === "text";
  return (request.headers.accept ?? "").startsWith("text/plain");
}

function sendText(reply: FastifyReply, code: number, text: string): FastifyReply {
  return reply.code(code).type("text/plain; charset=utf-8").send(text);
}

/** Registers the agent health routes. */
export function agentHealthRoutes({ app, view }: RouteContext): void {
  const dc = datacenterOf(view);
  const info = (service: AgentService) => {
    // Node-level checks (ServiceID "") apply to every service of the node.
    const checks = view.catalog
      .localChecks()
      .filter((c) => c.ServiceID === "" || c.ServiceID === service.ID)
      .map(checkJson);
    const status = aggregatedStatus(checks);
    return {
      status,
      body: {
        AggregatedStatus: status,
        Service: serviceJson(service, { datacenter: dc() }),
        Checks: checks,
      },
    };
  };
  const schema = (param: "id" | "name", body: typeof ById | typeof ByName) => ({
    params: PathParams(param),
    querystring: QueryString({ format: QueryValue }),
    response: { 200: body, 404: body, 429: body, 503: body },
  });

  app.get("/v1/agent/health/service/id/:id", { schema: schema("id", ById) }, async (request, reply) => {
    const { id } = request.params;
    if (id === "") throw badRequest("Missing serviceID");
    const service = view.catalog.localService(id);
    if (service === undefined) {
      const reason = `ServiceId ${id} not found`;
      if (wantsText(request)) return sendText(reply, 404, reason);
      return reply.code(404).send({ AggregatedStatus: "critical", Service: null, Checks: null });
    }
    const { status, body } = info(service);
    const code = aggregatedStatusCode(status);
    return wantsText(request) ? sendText(reply, code, status) : reply.code(code).send(body);
  });

  app.get(
    "/v1/agent/health/service/name/:name",
    { schema: schema("name", ByName) },
    async (request, reply) => {
      const { name } = request.params;
      if (name === "") throw badRequest("Missing service Name");
      const entries = view.catalog
        .localServices()
        .filter((s) => s.Service === name)
        .map(info);
      if (entries.length === 0) {
        return wantsText(request)
          ? sendText(reply, 404, `ServiceName ${name} Not Found`)
          : reply.code(404).send([]);
      }
      // The worst instance decides, so one critical instance takes the name out of rotation.
      const status = entries.map((e) => e.status).reduce<AggregatedStatus>(worseStatus, "passing");
      const code = aggregatedStatusCode(status);
      if (wantsText(request)) return sendText(reply, code, status);
      return reply.code(code).send(entries.map((e) => e.body));
    },
  );
}
