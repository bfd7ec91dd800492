/** Agent endpoints: self, members, join, leave, force-leave and node maintenance. */
import { Type } from "@sinclair/typebox";
import { badRequest } from "../api-error.js";
import { applyFilter, filterParam, flag, type Query, single } from "../params.js";
import type { RouteContext } from "../route-context.js";
import { MemberSchema, PathParams, QueryString, QueryValue, SelfSchema } from "../schemas.js";
import { memberJson } from "../shapes.js";

/** Registers the agent routes. */
export function agentRoutes({ app, view, control }: RouteContext): void {
  app.get("/v1/agent/self", { schema: { response: { 200: SelfSchema } } }, async () => {
    const self = view.self();
    return {
      Config: {
        Datacenter: self.datacenter,
        NodeName: self.nodeName,
        NodeID: self.nodeId,
        Server: false,
        Revision: self.revision,
        Version: self.version,
      },
      DebugConfig: { ...self.debugConfig },
      // Shoal has no Vivaldi coordinates yet: the origin, as a fresh Serf node reports it.
      Coord: { Vec: [0, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 1e-5 },
      Member: memberJson(self.member),
      Meta: { ...self.meta },
      Stats: Object.fromEntries(Object.entries(self.stats).map(([k, v]) => [k, { ...v }])),
    };
  });

  app.get(
    "/v1/agent/members",
    {
      schema: {
        querystring: QueryString({ wan: QueryValue, segment: QueryValue, filter: QueryValue }),
        response: { 200: Type.Array(MemberSchema) },
      },
    },
    async (request) => {
      const predicate = filterParam(request.query, MemberSchema);
      return applyFilter(view.members().map(memberJson), predicate);
    },
  );

  app.put(
    "/v1/agent/join/:address",
    { schema: { params: PathParams("address"), querystring: QueryString({ wan: QueryValue }) } },
    async (request, reply) => {
      const address = request.params.address.trim();
      if (address === "") throw badRequest("Missing address to join");
      await control.join([address], flag(request.query, "wan"));
      return reply.send();
    },
  );

  app.put("/v1/agent/leave", { schema: { querystring: QueryString({}) } }, async (_request, reply) => {
    await control.leave();
    return reply.send();
  });

  app.put(
    "/v1/agent/force-leave/:node",
    {
      schema: {
        params: PathParams("node"),
        querystring: QueryString({ prune: QueryValue, wan: QueryValue }),
      },
    },
    async (request, reply) => {
      await control.forceLeave(request.params.node, flag(request.query, "prune"));
      return reply.send();
    },
  );

  app.put(
    "/v1/agent/maintenance",
    { schema: { querystring: QueryString({ enable: QueryValue, reason: QueryValue }) } },
    async (request, reply) => {
      const query = request.query as Query;
      await control.setMaintenance(enableParam(query), single(query, "reason") ?? "");
      return reply.send();
    },
  );
}

/** Consul's required `?enable=true|false`. */
export function enableParam(query: Query): boolean {
  const value = single(query, "enable");
  if (value === undefined || value === "") throw badRequest("Missing value for enable");
  if (value === "true") return true;
  if (value === "false") return false;
  throw badRequest(`Invalid value for enable: "${value}"`);
}
