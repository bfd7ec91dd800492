/**
 * A ready fastify server carrying only the HTTP API, for the agent and for tests. The agent
 * may instead register {@link httpApi} on a server of its own.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from "fastify";
import { aclAuthorize, type AclOptions } from "./auth.js";
import { LazySchemaCompilers } from "./lazy-schema-compilers.js";
import { DEFAULT_BODY_LIMIT, httpApi, type HttpApiOptions } from "./plugin.js";
import type { TlsFiles } from "./tls.js";

/** Options of {@link createHttpApiServer}. */
export interface HttpApiServerOptions extends HttpApiOptions {
  /** A pino logger (the agent's `child({ component: "http" })`); silent without one. */
  readonly logger?: FastifyBaseLogger;
  /** ACL token rules (`auth.ts`); ignored when `authorize` is given. */
  readonly acl?: AclOptions;
  /** Serve HTTPS with this certificate and key (`tls.ts` loads them). */
  readonly tls?: TlsFiles;
  /** Compiles route schemas on first use (default: a fresh instance); tests force them all. */
  readonly schemaCompilers?: LazySchemaCompilers;
}

/** Largest request head (request line plus headers) a client may send; Node's default too. */
const MAX_HEADER_BYTES = 16 * 1024;

/** Builds the server (not yet listening). */
export async function createHttpApiServer(options: HttpApiServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger === undefined ? { logger: false } : { loggerInstance: options.logger }),
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // Start-up time: schemas compile on a route's first request, not all before listening.
    schemaController: { compilersFactory: compilersOf(options.schemaCompilers ?? new LazySchemaCompilers()) },
    // Blocking queries can wait 10 minutes; closing must not wait for them.
    forceCloseConnections: true,
    // Consul clients send `?tag=a&tag=b`; keep long filter expressions and many params working.
    routerOptions: { maxParamLength: 1024 },
    ...(options.tls === undefined
      ? { http: { maxHeaderSize: MAX_HEADER_BYTES } }
      : { https: { cert: options.tls.cert, key: options.tls.key, maxHeaderSize: MAX_HEADER_BYTES } }),
    // The overloads type an https server differently; every route only uses the common surface.
  }) as unknown as FastifyInstance;
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).type("text/plain; charset=utf-8").send("404 page not found"),
  );
  const authorize = options.authorize ?? (options.acl === undefined ? undefined : aclAuthorize(options.acl));
  await app.register(httpApi, { ...options, ...(authorize === undefined ? {} : { authorize }) });
  return app;
}

/** fastify's `compilersFactory` from {@link LazySchemaCompilers} (whose types are looser). */
function compilersOf(
  compilers: LazySchemaCompilers,
): NonNullable<NonNullable<FastifyServerOptions["schemaController"]>["compilersFactory"]> {
  return {
    buildValidator: compilers.buildValidator as never,
    buildSerializer: compilers.buildSerializer as never,
  };
}
