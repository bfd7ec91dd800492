/**
 * `/v1/operator/keyring`: cluster-wide gossip key management with Consul's methods (GET list,
 * POST install, PUT use, DELETE remove) and KeyringResponse shape. When some nodes report an
 * error, the answer is 500 with their messages, as Consul's.
 */
import { Type } from "@sinclair/typebox";
import type { KeyringResponse } from "../agent-view.js";
import { AgentApiError, badRequest } from "../api-error.js";
import { datacenterOf, type RouteContext } from "../route-context.js";
import { KeyringSchema, QueryString, QueryValue } from "../schemas.js";
import { keyringJson } from "../shapes.js";

const KeyBody = Type.Object({ Key: Type.String() }, { additionalProperties: true });

const KEY = /^[A-Za-z0-9+/]+={0,2}$/;

function failures(responses: readonly KeyringResponse[]): string[] {
  return responses.flatMap((r) => Object.entries(r.messages).map(([node, message]) => `${node}: ${message}`));
}

/** Registers the keyring routes. */
export function operatorRoutes({ app, view, control }: RouteContext): void {
  const dc = datacenterOf(view);
  const query = QueryString({ "relay-factor": QueryValue, "local-only": QueryValue });

  app.get(
    "/v1/operator/keyring",
    { schema: { querystring: query, response: { 200: Type.Array(KeyringSchema) } } },
    async () => (await control.keyring.list()).map((r) => keyringJson(r, dc())),
  );

  const change = (
    method: "POST" | "PUT" | "DELETE",
    run: (key: string) => Promise<readonly KeyringResponse[]>,
  ): void => {
    app.route({
      method,
      url: "/v1/operator/keyring",
      config: { jsonBody: true },
      schema: { querystring: query, body: KeyBody },
      handler: async (request, reply) => {
        const key = request.body.Key.trim();
        if (!KEY.test(key)) throw badRequest("Invalid key: expected a base64-encoded key");
        const failed = failures(await run(key));
        if (failed.length > 0) throw new AgentApiError(500, failed.join("\n"));
        return reply.send();
      },
    });
  };
  change("POST", (key) => control.keyring.install(key));
  change("PUT", (key) => control.keyring.use(key));
  change("DELETE", (key) => control.keyring.remove(key));
}
