/**
 * Per-client request rate limiting for the HTTP API (@fastify/rate-limit, in-memory store).
 * Clients are told apart by socket address: the API has no proxy in front of it, so
 * `X-Forwarded-For` is deliberately not trusted (it would let a client pick its own bucket).
 * Over the limit, a request gets 429 with a plain-text reason and `Retry-After`.
 */
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance } from "fastify";
import { AgentApiError } from "./api-error.js";

/** A fixed-window limit: at most `max` requests per `windowMs` from one client address. */
export interface RateLimitSettings {
  readonly max: number;
  readonly windowMs: number;
}

/** Installs the limit on `app` (and every route registered on it afterwards). */
export async function installRateLimit(app: FastifyInstance, settings: RateLimitSettings): Promise<void> {
  if (!(settings.max >= 1 && settings.windowMs >= 1)) {
    throw new RangeError(`rate limit needs max >= 1 and windowMs >= 1, got ${JSON.stringify(settings)}`);
  }
  await app.register(rateLimit, {
    global: true,
    max: settings.max,
    timeWindow: settings.windowMs,
    keyGenerator: (request) => request.socket.remoteAddress ?? request.ip,
    // Bounded memory whatever the number of distinct clients: the LRU forgets the oldest.
    cache: 10_000,
    errorResponseBuilder: (_request, context) =>
      new AgentApiError(
        429,
        `Too many requests: the limit is ${context.max} per ${settings.windowMs} ms per client; retry in ${context.after}`,
      ),
  });
}
