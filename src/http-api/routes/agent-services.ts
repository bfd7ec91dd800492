/** Agent service endpoints: register, deregister, list, read and service maintenance. */
import { Type } from "@sinclair/typebox";
import {
  normalizeKeys,
  parseServiceDefinition,
  SERVICE_KEYS,
} from "../../agent/catalog/service-definition.js";
import { badRequest, notFound } from "../api-error.js";
import { parseBlocking, setIndexHeaders } from "../blocking.js";
import { applyFilter, filterParam, flag, type Query, single } from "../params.js";
import type { RouteContext } from "../route-context.js";
import { AgentServiceSchema, PathParams, QueryString, QueryValue } from "../schemas.js";
import { contentHash, serviceJson } from "../shapes.js";
import { enableParam } from "./agent.js";

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

/** The register body after key normalization; deeper rules live in parseServiceDefinition. */
const RegisterBody = Type.Object(
  {
    Name: Type.Optional(Nullable(Type.String())),
    ID: Type.Optional(Nullable(Type.String())),
    Tags: Type.Optional(Nullable(Type.Array(Type.String()))),
    Address: Type.Optional(Nullable(Type.String())),
    Port: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 65_535 }))),
    Meta: Type.Optional(Nullable(Type.Record(Type.String(), Type.String()))),
    EnableTagOverride: Type.Optional(Nullable(Type.Boolean())),
    Check: Type.Optional(Nullable(Type.Object({}, { additionalProperties: true }))),
    Checks: Type.Optional(Nullable(Type.Array(Type.Object({}, { additionalProperties: true })))),
  },
  { additionalProperties: true },
);

/** Registers the agent service routes. */
export function serviceRoutes({ app, view, control, limits }: RouteContext): void {
  app.put(
    "/v1/agent/service/register",
    {
      config: { jsonBody: true },
      schema: { querystring: QueryString({ "replace-existing-checks": QueryValue }), body: RegisterBody },
      // Consul accepts snake_case keys; map them before the schema sees the body.
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null)
          throw badRequest("Request decode failed: empty body");
        request.body = normalizeKeys(request.body, SERVICE_KEYS, "the service definition");
      },
    },
    async (request, reply) => {
      const definition = parseServiceDefinition(request.body);
      const replaceExistingChecks = flag(request.query, "replace-existing-checks");
      await control.registerService(definition, { replaceExistingChecks });
      return reply.send();
    },
  );

  app.put(
    "/v1/agent/service/deregister/:id",
    { schema: { params: PathParams("id") } },
    async (request, reply) => {
      if (!(await control.deregisterService(request.params.id))) {
        throw notFound(`Unknown service ID "${request.params.id}"`);
      }
      return reply.send();
    },
  );

  app.get(
    "/v1/agent/services",
    {
      schema: {
        querystring: QueryString({ filter: QueryValue }),
        response: { 200: Type.Record(Type.String(), AgentServiceSchema) },
      },
    },
    async (request) => {
      const datacenter = view.self().datacenter;
      const predicate = filterParam(request.query, AgentServiceSchema);
      const services = applyFilter(
        view.catalog.localServices().map((s) => serviceJson(s, { datacenter })),
        predicate,
      );
      return Object.fromEntries(services.map((s) => [s.ID, s]));
    },
  );

  app.get(
    "/v1/agent/service/:id",
    {
      schema: {
        params: PathParams("id"),
        querystring: QueryString({ hash: QueryValue, wait: QueryValue, index: QueryValue }),
        response: { 200: AgentServiceSchema },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const query = request.query as Query;
      const hash = single(query, "hash");
      if (hash !== undefined && hash !== "") {
        // Hash-based blocking: wait until the service's content hash differs from the client's.
        const { waitMs } = parseBlocking(query, limits);
        const deadline = Date.now() + waitMs;
        const current = (): string | undefined => {
          const service = view.catalog.localService(id);
          return service === undefined ? undefined : contentHash(service);
        };
        while (current() === hash && Date.now() < deadline) {
          await view.catalog.waitForChange(view.catalog.index, deadline - Date.now());
        }
      }
      const service = view.catalog.localService(id);
      if (service === undefined) throw notFound(`unknown service ID: ${id}`);
      const body = serviceJson(service, { datacenter: view.self().datacenter, contentHash: true });
      reply.header("X-Consul-ContentHash", body.ContentHash ?? "");
      setIndexHeaders(reply, view.catalog.nodeIndex(view.catalog.nodeName));
      return body;
    },
  );

  app.put(
    "/v1/agent/service/maintenance/:id",
    {
      schema: {
        params: PathParams("id"),
        querystring: QueryString({ enable: QueryValue, reason: QueryValue }),
      },
    },
    async (request, reply) => {
      const query = request.query as Query;
      const enable = enableParam(query);
      if (!(await control.setMaintenance(enable, single(query, "reason") ?? "", request.params.id))) {
        throw notFound(`Unknown service ID "${request.params.id}"`);
      }
      return reply.send();
    },
  );
}
