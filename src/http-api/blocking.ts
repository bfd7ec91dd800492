/**
 * Consul's blocking queries (`?index=N&wait=5s`), backed by the catalog's local index: the
 * request waits until the index the endpoint watches moves past N, or the wait (default
 * 5 min, at most 10 min, plus up to wait/16 jitter) runs out, or the client goes away.
 * Every blocking endpoint answers with `X-Consul-Index` (never below 1, so clients cannot
 * busy-loop), `X-Consul-KnownLeader: true` and `X-Consul-LastContact: 0`: there is no leader
 * to lose in a serverless AP cluster.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { parseGoDuration } from "../agent/catalog/go-duration.js";
import type { CatalogReader } from "./agent-view.js";
import { badRequest } from "./api-error.js";
import { type Query, single } from "./params.js";

/** Limits of blocking queries. */
export interface BlockingLimits {
  readonly defaultWaitMs: number;
  readonly maxWaitMs: number;
}

/** Consul's limits: 5 minutes by default, 10 at most. */
export const CONSUL_BLOCKING_LIMITS: BlockingLimits = { defaultWaitMs: 5 * 60_000, maxWaitMs: 10 * 60_000 };

/** A parsed `?index` and `?wait`. */
export interface BlockingParams {
  /** The index the client has seen; undefined or 0 means "answer now". */
  readonly index: number | undefined;
  readonly waitMs: number;
}

/** Parses `?index` and `?wait` (a Go duration; a bare number means seconds). */
export function parseBlocking(query: Query, limits: BlockingLimits): BlockingParams {
  const indexText = single(query, "index");
  let index: number | undefined;
  if (indexText !== undefined && indexText !== "") {
    if (!/^\d+$/.test(indexText)) throw badRequest(`Invalid index "${indexText}"`);
    index = Number(indexText);
  }
  const waitText = single(query, "wait");
  let waitMs = limits.defaultWaitMs;
  if (waitText !== undefined && waitText !== "") {
    try {
      waitMs = /^\d+$/.test(waitText) ? Number(waitText) * 1000 : parseGoDuration(waitText);
    } catch {
      throw badRequest(`Invalid wait time "${waitText}"`);
    }
    if (!(waitMs >= 0)) throw badRequest(`Invalid wait time "${waitText}"`);
  }
  return { index, waitMs: Math.min(waitMs, limits.maxWaitMs) };
}

/**
 * Waits as the parameters ask, then sets the blocking headers from `indexOf()`. An index
 * above the catalog's global one (a client that talked to this agent before a restart) is
 * answered at once, so the client sees the index go backwards and resets, as Consul's
 * client rules require.
 */
export async function block(
  request: FastifyRequest,
  reply: FastifyReply,
  catalog: CatalogReader,
  indexOf: () => number,
  limits: BlockingLimits,
): Promise<void> {
  const { index, waitMs } = parseBlocking(request.query as Query, limits);
  if (index !== undefined && index > 0 && index <= catalog.index) {
    const aborted = new AbortController();
    const onClose = (): void => aborted.abort();
    reply.raw.once("close", onClose);
    const jitter = Math.random() * (waitMs / 16);
    try {
      await catalog.waitForChange(index, waitMs + jitter, aborted.signal, indexOf);
    } finally {
      reply.raw.off("close", onClose);
    }
  }
  setIndexHeaders(reply, indexOf());
}

/** Sets `X-Consul-Index` (at least 1) and the leader headers. */
export function setIndexHeaders(reply: FastifyReply, index: number): void {
  reply.header("X-Consul-Index", String(Math.max(1, index)));
  reply.header("X-Consul-KnownLeader", "true");
  reply.header("X-Consul-LastContact", "0");
}
