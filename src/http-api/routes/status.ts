/**
 * Status endpoints. A Shoal cluster has no servers and no leader; clients that ask (to check
 * the cluster is usable) get this agent's own address as "leader" and every alive member as
 * "peers", which is what is reachable.
 */
import { Type } from "@sinclair/typebox";
import type { RouteContext } from "../route-context.js";
import { hostPort } from "../shapes.js";

/** Registers the status routes. */
export function statusRoutes({ app, view }: RouteContext): void {
  app.get("/v1/status/leader", { schema: { response: { 200: Type.String() } } }, async (_request, reply) => {
    const { member } = view.self();
    // fastify sends a string payload as-is; Consul's answer is a JSON string.
    return reply
      .type("application/json; charset=utf-8")
      .send(JSON.stringify(hostPort(member.addr, member.port)));
  });

  app.get("/v1/status/peers", { schema: { response: { 200: Type.Array(Type.String()) } } }, async () =>
    view
      .members()
      .filter((m) => m.status === "alive")
      .map((m) => hostPort(m.addr, m.port)),
  );
}
