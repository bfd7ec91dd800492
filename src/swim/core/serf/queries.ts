/**
 * Serf's queries (`serf/query.go`, `serf.go` handleQuery / handleQueryResponse): filters,
 * the book-keeping of queries this node started (acks and responses, de-duplicated per
 * node, until the deadline) and of queries it received (where and until when to respond).
 */
import type { Address } from "../api.js";
import { decodeFilter, encodeFilter } from "../../codec/serf-messages.js";
import type { QueryParams } from "../api.js";

/** Encodes Serf's filters for a query's parameters (node list first, then one per tag). */
export function encodeQueryFilters(params: QueryParams): Uint8Array[] {
  const filters: Uint8Array[] = [];
  if (params.filterNodes !== undefined && params.filterNodes.length > 0) {
    filters.push(encodeFilter({ kind: "node", nodes: params.filterNodes }));
  }
  for (const [tag, expr] of Object.entries(params.filterTags ?? {})) {
    filters.push(encodeFilter({ kind: "tag", tag, expr }));
  }
  return filters;
}

/**
 * Serf's shouldProcessQuery: every filter must match. Node filters list names; tag filters
 * are unanchored regular expressions over a tag that must exist. An undecodable or invalid
 * filter means "not for us" (Serf logs and skips the query).
 */
export function queryMatches(
  filters: readonly Uint8Array[],
  name: string,
  tags: Readonly<Record<string, string>>,
): boolean {
  for (const raw of filters) {
    try {
      const filter = decodeFilter(raw);
      if (filter.kind === "node") {
        if (!filter.nodes.includes(name)) return false;
      } else {
        const value = tags[filter.tag];
        if (value === undefined || !new RegExp(filter.expr).test(value)) return false;
      }
    } catch {
      return false;
    }
  }
  return true;
}

/** A query this node started and still collects answers for. */
export interface OutstandingQuery {
  readonly id: number;
  readonly lTime: number;
  readonly acks: Set<string>;
  readonly responses: Set<string>;
  readonly deadlineMs: number;
}

/** A query this node received and may still answer. */
export interface ReceivedQuery {
  readonly id: number;
  readonly lTime: number;
  readonly origin: Address;
  readonly originName: string;
  readonly relayFactor: number;
  readonly deadlineMs: number;
}

/** Both books, keyed by Serf's `(LTime, ID)`. */
export class QueryBook {
  private readonly outstanding = new Map<number, OutstandingQuery>();
  private readonly received = new Map<string, ReceivedQuery>();

  /** Start collecting for a query we sent. */
  open(query: OutstandingQuery): void {
    this.outstanding.set(query.lTime, query);
  }

  /** The open query with this Lamport time and id, if any (Serf keys by LTime, checks ID). */
  find(lTime: number, id: number): OutstandingQuery | undefined {
    const q = this.outstanding.get(lTime);
    return q !== undefined && q.id === id ? q : undefined;
  }

  /** Stop collecting (deadline reached). */
  close(lTime: number): void {
    this.outstanding.delete(lTime);
  }

  /** Remember a received query so that `respond` knows where to send. */
  remember(query: ReceivedQuery): void {
    this.received.set(`${query.lTime}:${query.id}`, query);
  }

  /** A received query by id (and Lamport time when given). */
  receivedQuery(id: number, lTime?: number): ReceivedQuery | undefined {
    if (lTime !== undefined) return this.received.get(`${lTime}:${id}`);
    for (const q of this.received.values()) if (q.id === id) return q;
    return undefined;
  }

  /** Forget received queries past their deadline. */
  expire(nowMs: number): void {
    for (const [key, q] of this.received) if (q.deadlineMs < nowMs) this.received.delete(key);
  }
}
