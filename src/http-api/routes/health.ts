/** Health endpoints: service/:name, node/:node, checks/:service, state/:state (all blocking). */
import { Type } from "@sinclair/typebox";
import { AnswerCache } from "../answer-cache.js";
import { badRequest } from "../api-error.js";
import { block } from "../blocking.js";
import {
  applyFilter,
  checkDatacenter,
  filterParam,
  flag,
  list,
  metaMatches,
  nodeMetaParam,
  type Query,
} from "../params.js";
import { datacenterOf, type RouteContext } from "../route-context.js";
import {
  BlockingQuery,
  HealthCheckSchema,
  PathParams,
  QueryString,
  QueryValue,
  ServiceHealthSchema,
} from "../schemas.js";
import { checkJson, serviceHealthJson } from "../shapes.js";
import { hasTags } from "./catalog.js";

const STATES = new Set(["any", "passing", "warning", "critical"]);

/** Registers the health routes. */
export function healthRoutes({ app, view, limits }: RouteContext): void {
  const catalog = view.catalog;
  const dc = datacenterOf(view);
  const serviceAnswers = new AnswerCache();

  app.get(
    "/v1/health/service/:name",
    {
      schema: {
        params: PathParams("name"),
        querystring: QueryString({
          ...BlockingQuery,
          passing: QueryValue,
          tag: QueryValue,
          near: QueryValue,
          "node-meta": QueryValue,
        }),
        response: { 200: Type.Array(ServiceHealthSchema) },
      },
    },
    async (request, reply) => {
      const query = request.query as Query;
      const { name } = request.params;
      checkDatacenter(query, dc());
      const predicate = filterParam(query, ServiceHealthSchema);
      const passing = flag(query, "passing");
      const tags = list(query, "tag");
      const meta = nodeMetaParam(query);
      await block(request, reply, catalog, () => catalog.serviceIndex(name), limits);
      const body = serviceAnswers.answer(request.url, catalog.index, () => {
        const entries = catalog
          .instances(name)
          .filter((i) => hasTags(i, tags) && metaMatches(i.node.meta, meta))
          // ?passing drops an instance if any of its checks, node checks included, is not passing.
          .filter((i) => !passing || [...i.nodeChecks, ...i.checks].every((c) => c.Status === "passing"))
          .map((i) => serviceHealthJson(i, dc()));
        // The route's own response serializer, so a remembered answer is byte-identical.
        const serialized = reply.serialize(applyFilter(entries, predicate));
        return typeof serialized === "string"
          ? serialized
          : Buffer.from(serialized as ArrayBuffer).toString();
      });
      // Already serialized JSON: fastify sends a Buffer as it is. The route's types only know
      // the object form.
      return reply.type("application/json; charset=utf-8").send(body as never);
    },
  );

  app.get(
    "/v1/health/node/:node",
    {
      schema: {
        params: PathParams("node"),
        querystring: QueryString(BlockingQuery),
        response: { 200: Type.Array(HealthCheckSchema) },
      },
    },
    async (request, reply) => {
      const query = request.query as Query;
      const { node } = request.params;
      checkDatacenter(query, dc());
      const predicate = filterParam(query, HealthCheckSchema);
      await block(request, reply, catalog, () => catalog.nodeIndex(node), limits);
      return applyFilter(catalog.nodeChecks(node).map(checkJson), predicate);
    },
  );

  app.get(
    "/v1/health/checks/:service",
    {
      schema: {
        params: PathParams("service"),
        querystring: QueryString({ ...BlockingQuery, near: QueryValue, "node-meta": QueryValue }),
        response: { 200: Type.Array(HealthCheckSchema) },
      },
    },
    async (request, reply) => {
      const query = request.query as Query;
      const { service } = request.params;
      checkDatacenter(query, dc());
      const predicate = filterParam(query, HealthCheckSchema);
      const meta = nodeMetaParam(query);
      await block(request, reply, catalog, () => catalog.serviceIndex(service), limits);
      const checks = catalog
        .instances(service)
        .filter((i) => metaMatches(i.node.meta, meta))
        .flatMap((i) => i.checks.map(checkJson));
      return applyFilter(checks, predicate);
    },
  );

  app.get(
    "/v1/health/state/:state",
    {
      schema: {
        params: PathParams("state"),
        querystring: QueryString({ ...BlockingQuery, near: QueryValue, "node-meta": QueryValue }),
        response: { 200: Type.Array(HealthCheckSchema) },
      },
    },
    async (request, reply) => {
      const query = request.query as Query;
      const { state } = request.params;
      if (!STATES.has(state))
        throw badRequest(`Invalid check state "${state}": use any, passing, warning or critical`);
      checkDatacenter(query, dc());
      const predicate = filterParam(query, HealthCheckSchema);
      const meta = nodeMetaParam(query);
      await block(request, reply, catalog, () => catalog.index, limits);
      const nodes = new Map(catalog.nodes().map((n) => [n.name, n]));
      const checks = catalog
        .allChecks()
        .filter((c) => state === "any" || c.Status === state)
        .filter((c) => metaMatches(nodes.get(c.Node)?.meta ?? {}, meta))
        .map(checkJson);
      return applyFilter(checks, predicate);
    },
  );
}
