/**
 * A ready fastify server carrying only the HTTP API, for the agent and for tests. The agent
 * may instead register {@link httpApi} on a server of its own.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { DEFAULT_BODY_LIMIT, httpApi, type HttpApiOptions } from "./plugin.js";

/** Options of {@link createHttpApiServer}. */
export interface HttpApiServerOptions extends HttpApiOptions {
  /** A pino logger (the agent's `child({ component: "http" })`); silent without one. */
  readonly logger?: FastifyBaseLogger;
}

/** Builds the server (not yet listening). */
export async function createHttpApiServer(options: HttpApiServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger === undefined ? { logger: false } : { loggerInstance: options.logger }),
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // Blocking queries can wait 10 minutes; closing must not wait for them.
    forceCloseConnections: true,
    // Consul clients send `?tag=a&tag=b`; keep long filter expressions and many params working.
    routerOptions: { maxParamLength: 1024 },
  });
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).type("text/plain; charset=utf-8").send("404 page not found"),
  );
  await app.register(httpApi, options);
  return app;
}
