/**
 * The Consul-shaped HTTP API as a fastify plugin over an {@link AgentView} and
 * {@link AgentControl}.
 *
 * - Bodies arrive as raw Buffers (Consul ignores Content-Type: event payloads are opaque
 *   bytes, registrations are JSON whatever the header says); routes that take JSON opt in
 *   with `config.jsonBody` and get a parsed, schema-validated body.
 * - Errors are plain text with Consul's status codes (400 bad input, 404 unknown ID, 405
 *   wrong method, 413 body too large); the agent stays up.
 * - `authorize` is the single place for access control (a preParsing hook; `auth.ts` builds
 *   the ACL one): throw an AgentApiError(403) from it to refuse a request.
 * - `rateLimit` runs before `authorize`, so guessing tokens is rate limited too.
 */
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { Registry } from "prom-client";
import type { AgentControl, AgentView } from "./agent-view.js";
import { AgentApiError, httpStatusOf } from "./api-error.js";
import { type BlockingLimits, CONSUL_BLOCKING_LIMITS } from "./blocking.js";
import { installHttpMetrics } from "./http-metrics.js";
import { installRateLimit, type RateLimitSettings } from "./rate-limit.js";
import type { RouteContext } from "./route-context.js";
import { agentRoutes } from "./routes/agent.js";
import { checkRoutes } from "./routes/agent-checks.js";
import { agentHealthRoutes } from "./routes/agent-health.js";
import { serviceRoutes } from "./routes/agent-services.js";
import { catalogRoutes } from "./routes/catalog.js";
import { eventRoutes } from "./routes/event.js";
import { healthRoutes } from "./routes/health.js";
import { metricsRoutes } from "./routes/metrics.js";
import { monitorRoutes } from "./routes/monitor.js";
import { operatorRoutes } from "./routes/operator.js";
import { shoalRoutes } from "./routes/shoal.js";
import { statusRoutes } from "./routes/status.js";

/** Access control hook; throw (e.g. `new AgentApiError(403, "Permission denied")`) to refuse. */
export type AuthorizeHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void> | void;

/** Options of {@link httpApi}. */
export interface HttpApiOptions {
  readonly view: AgentView;
  readonly control: AgentControl;
  /** Runs for every request of the API, after the rate limit (see `auth.ts`). */
  readonly authorize?: AuthorizeHook;
  /** Per-client request rate limit; none when absent. */
  readonly rateLimit?: RateLimitSettings;
  /** Largest accepted request body (default 1 MiB); larger ones get 413. */
  readonly bodyLimit?: number;
  /** Blocking query limits (default Consul's: 5 min default wait, 10 min at most). */
  readonly blocking?: Partial<BlockingLimits>;
  /** Where request metrics go, and what `/v1/agent/metrics` reports. */
  readonly registry?: Registry;
}

/** The default request body limit. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

const METHODS = ["GET", "PUT", "POST", "DELETE", "PATCH"] as const;

/** Registers every route of the API. */
export const httpApi: FastifyPluginAsync<HttpApiOptions> = async (instance, options) => {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error, request, reply) => {
    const { status, message } = httpStatusOf(error);
    if (status >= 500) request.log.error({ err: error }, "HTTP API request failed");
    return reply.code(status).type("text/plain; charset=utf-8").send(message);
  });

  if (options.rateLimit !== undefined) await installRateLimit(app, options.rateLimit);
  const authorize = options.authorize;
  // Wrapped in an async hook so a synchronous authorize that throws is handled, not hung.
  // preParsing: after every onRequest hook (the rate limit's are per route, and run after this
  // context's onRequest hooks), before a refused request's body is read.
  if (authorize !== undefined) app.addHook("preParsing", async (request, reply) => authorize(request, reply));
  if (options.registry !== undefined) installHttpMetrics(app, options.registry);

  app.addHook("preValidation", async (request) => {
    if (request.routeOptions.config.jsonBody !== true) return;
    const raw = request.body;
    if (!Buffer.isBuffer(raw)) return;
    const text = raw.toString("utf8");
    if (text.trim() === "") {
      request.body = undefined;
      return;
    }
    try {
      request.body = JSON.parse(text) as unknown;
    } catch (error) {
      throw new AgentApiError(400, `Request decode failed: ${(error as Error).message}`);
    }
  });

  // Consul answers a known path with a wrong method with 405, not 404.
  const methodsByUrl = new Map<string, Set<string>>();
  let collecting = true;
  app.addHook("onRoute", (route) => {
    if (!collecting) return;
    const methods = methodsByUrl.get(route.url) ?? new Set<string>();
    for (const method of [route.method].flat()) methods.add(method);
    methodsByUrl.set(route.url, methods);
  });

  const context: RouteContext = {
    app,
    view: options.view,
    control: options.control,
    limits: { ...CONSUL_BLOCKING_LIMITS, ...options.blocking },
    streamBacklogBytes: 1024 * 1024,
  };
  for (const routes of [
    agentRoutes,
    serviceRoutes,
    checkRoutes,
    agentHealthRoutes,
    catalogRoutes,
    healthRoutes,
    eventRoutes,
    statusRoutes,
    operatorRoutes,
    shoalRoutes,
    monitorRoutes,
  ]) {
    routes(context);
  }
  metricsRoutes(context, options.registry);

  collecting = false;
  for (const [url, allowed] of methodsByUrl) {
    const missing = METHODS.filter((m) => !allowed.has(m));
    if (missing.length === 0) continue;
    app.route({
      method: missing,
      url,
      handler: async (request, reply) =>
        reply
          .code(405)
          .header("Allow", [...allowed].join(", "))
          .type("text/plain; charset=utf-8")
          .send(`method ${request.method} not allowed`),
    });
  }
};
