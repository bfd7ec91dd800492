/** Catalog endpoints: services, service/:name, nodes, node/:node, datacenters (all blocking). */
import { Type } from "@sinclair/typebox";
import type { CatalogInstance } from "../../agent/catalog/catalog-store.js";
import { block } from "../blocking.js";
import {
  applyFilter,
  checkDatacenter,
  filterParam,
  list,
  metaMatches,
  nodeMetaParam,
  type Query,
} from "../params.js";
import { datacenterOf, type RouteContext } from "../route-context.js";
import {
  AgentServiceSchema,
  BlockingQuery,
  CatalogNodeSchema,
  CatalogServiceSchema,
  NodeSchema,
  PathParams,
  QueryString,
  QueryValue,
} from "../schemas.js";
import { catalogServiceJson, nodeJson, serviceJson } from "../shapes.js";

/** True if the instance carries every tag (case-insensitive, as Consul compares them). */
export function hasTags(instance: CatalogInstance, tags: readonly string[]): boolean {
  const own = new Set(instance.service.Tags.map((t) => t.toLowerCase()));
  return tags.every((t) => own.has(t.toLowerCase()));
}

/** Registers the catalog routes. */
export function catalogRoutes({ app, view, limits }: RouteContext): void {
  const catalog = view.catalog;
  const dc = datacenterOf(view);

  app.get(
    "/v1/catalog/datacenters",
    { schema: { response: { 200: Type.Array(Type.String()) } } },
    async () => [dc()],
  );

  app.get(
    "/v1/catalog/services",
    {
      schema: {
        querystring: QueryString({ ...BlockingQuery, "node-meta": QueryValue }),
        response: { 200: Type.Record(Type.String(), Type.Array(Type.String())) },
      },
    },
    async (request, reply) => {
      const query = request.query as Query;
      checkDatacenter(query, dc());
      const predicate = filterParam(query, CatalogServiceSchema);
      const meta = nodeMetaParam(query);
      await block(request, reply, catalog, () => catalog.index, limits);
      if (predicate === undefined && meta.length === 0) return Object.fromEntries(catalog.serviceNames());
      const out = new Map<string, Set<string>>();
      for (const name of catalog.serviceNames().keys()) {
        for (const instance of catalog.instances(name)) {
          if (!metaMatches(instance.node.meta, meta)) continue;
          if (predicate !== undefined && !predicate(catalogServiceJson(instance, dc()))) continue;
          const tags = out.get(name) ?? new Set<string>();
          for (const tag of instance.service.Tags) tags.add(tag);
          out.set(name, tags);
        }
      }
      return Object.fromEntries([...out].map(([name, tags]) => [name, [...tags].sort()]));
    },
  );

  app.get(
    "/v1/catalog/service/:name",
    {
      schema: {
        params: PathParams("name"),
        querystring: QueryString({
          ...BlockingQuery,
          tag: QueryValue,
          near: QueryValue,
          "node-meta": QueryValue,
        }),
        response: { 200: Type.Array(CatalogServiceSchema) },
      },
    },
    async (request, reply) => {
      const query = request.query as Query;
      const { name } = request.params;
      checkDatacenter(query, dc());
      const predicate = filterParam(query, CatalogServiceSchema);
      const meta = nodeMetaParam(query);
      const tags = list(query, "tag");
      await block(request, reply, catalog, () => catalog.serviceIndex(name), limits);
      const entries = catalog
        .instances(name)
        .filter((i) => hasTags(i, tags) && metaMatches(i.node.meta, meta))
        .map((i) => catalogServiceJson(i, dc()));
      return applyFilter(entries, predicate);
    },
  );

  app.get(
    "/v1/catalog/nodes",
    {
      schema: {
        querystring: QueryString({ ...BlockingQuery, near: QueryValue, "node-meta": QueryValue }),
        response: { 200: Type.Array(NodeSchema) },
      },
    },
    async (request, reply) => {
      const query = request.query as Query;
      checkDatacenter(query, dc());
      const predicate = filterParam(query, NodeSchema);
      const meta = nodeMetaParam(query);
      await block(request, reply, catalog, () => catalog.index, limits);
      const nodes = catalog
        .nodes()
        .filter((n) => metaMatches(n.meta, meta))
        .map((n) => nodeJson(n, dc()));
      return applyFilter(nodes, predicate);
    },
  );

  app.get(
    "/v1/catalog/node/:node",
    {
      schema: {
        params: PathParams("node"),
        querystring: QueryString(BlockingQuery),
        response: { 200: CatalogNodeSchema },
      },
    },
    async (request, reply) => {
      const query = request.query as Query;
      const { node: name } = request.params;
      checkDatacenter(query, dc());
      const predicate = filterParam(query, AgentServiceSchema);
      await block(request, reply, catalog, () => catalog.nodeIndex(name), limits);
      const node = catalog.node(name);
      const services = catalog.nodeServices(name);
      if (node === undefined || services === undefined) return null;
      const shown = applyFilter(
        services.map((s) =>
          serviceJson(s.service, { createIndex: s.createIndex, modifyIndex: s.modifyIndex }),
        ),
        predicate,
      );
      return { Node: nodeJson(node, dc()), Services: Object.fromEntries(shown.map((s) => [s.ID, s])) };
    },
  );
}
