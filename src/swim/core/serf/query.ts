/**
 * Serf's queries (`serf/query.go`, `serf.go` handleQuery / handleQueryResponse, `event.go`
 * Query.Respond; PROTOCOL.md section 3.7): filters, the (LTime, ID) de-duplication ring with
 * the query clock, the book of queries this node started (acks and responses, one per node,
 * until the deadline) and of queries it received (where to answer, once, before the deadline),
 * the default timeout and the choice of relay peers.
 */
import type { Address, QueryParams, Rng } from "../api.js";
import { decodeFilter, encodeFilter } from "../../codec/serf-messages.js";
import { pickRandom } from "../rng.js";
import { BUFFER_SLOTS, tooOld } from "./event-buffer.js";
import { LamportClock } from "./lamport-clock.js";
import type { SerfMember } from "./member-state.js";

/** Serf's default query timeout: `gossipInterval × mult × ceil(log10(N+1))`. */
export function defaultQueryTimeoutMs(
  gossipIntervalMs: number,
  timeoutMult: number,
  numNodes: number,
): number {
  return gossipIntervalMs * timeoutMult * Math.ceil(Math.log10(numNodes + 1));
}

/** Serf's filters for a query's parameters: the node list first, then one per tag. */
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
 * A quantified group that itself contains a quantifier, e.g. `(a+)+`: catastrophic
 * backtracking in JavaScript's engine. Go's RE2 is linear-time, so Serf need not care; a
 * query's regex comes from the network here, so such patterns are refused (no match) rather
 * than risk stalling the event loop.
 */
const NESTED_QUANTIFIER = /\([^)]*[+*}][^)]*\)\s*[+*{]/;

/**
 * Compiles a Go regular expression as closely as JavaScript allows: unanchored, with a
 * leading `(?flags)` group (RE2 syntax) turned into JavaScript flags. Undefined when invalid.
 */
function compileGoRegex(expr: string): RegExp | undefined {
  if (NESTED_QUANTIFIER.test(expr)) return undefined;
  let source = expr;
  let flags = "";
  const lead = /^\(\?([imsU]+)\)/.exec(source);
  if (lead !== null) {
    const goFlags = lead[1] ?? "";
    if (goFlags.includes("U")) return undefined;
    flags = goFlags;
    source = source.slice(lead[0].length);
  }
  try {
    return new RegExp(source, flags);
  } catch {
    return undefined;
  }
}

/**
 * Serf's shouldProcessQuery: every filter must match. A node filter lists names; a tag filter
 * is an unanchored regular expression over the tag's value (a missing tag reads as "", as a
 * Go map does). An undecodable filter, an unknown filter type or an invalid expression means
 * "not for us".
 */
export function queryMatches(
  filters: readonly Uint8Array[],
  name: string,
  tags: Readonly<Record<string, string>>,
): boolean {
  for (const raw of filters) {
    let filter;
    try {
      filter = decodeFilter(raw);
    } catch {
      return false;
    }
    if (filter.kind === "node") {
      if (!filter.nodes.includes(name)) return false;
    } else {
      const re = compileGoRegex(filter.expr);
      if (re === undefined || !re.test(tags[filter.tag] ?? "")) return false;
    }
  }
  return true;
}

/** The query clock plus the ring of recently seen `(LTime, ID)` pairs. */
export class QueryBuffer {
  /** The query Lamport clock. */
  readonly clock: LamportClock;
  private readonly slots: ({ readonly lTime: number; readonly ids: number[] } | null)[] = new Array<null>(
    BUFFER_SLOTS,
  ).fill(null);
  private readonly minTime: number;

  /** @param restored The query clock a previous run saved: older queries are not answered again. */
  constructor(restored?: number) {
    this.clock = new LamportClock(restored);
    this.minTime = restored ?? 0;
  }

  /** Witness the time and record the query; true when it is news (process and re-broadcast). */
  accept(lTime: number, id: number): boolean {
    this.clock.witness(lTime);
    if (lTime < this.minTime) return false;
    if (tooOld(lTime, this.clock.time())) return false;
    const index = lTime % BUFFER_SLOTS;
    let slot = this.slots[index] ?? null;
    if (slot !== null && slot.lTime === lTime) {
      if (slot.ids.includes(id)) return false;
    } else {
      slot = { lTime, ids: [] };
      this.slots[index] = slot;
    }
    slot.ids.push(id);
    return true;
  }
}

/** A query this node started, collecting answers until its deadline. */
interface Outstanding {
  readonly id: number;
  readonly acks: Set<string> | undefined;
  readonly responses: Set<string>;
}

/** A query this node received and may answer once. */
export interface ReceivedQuery {
  readonly id: number;
  readonly lTime: number;
  readonly origin: Address;
  readonly originName: string;
  readonly relayFactor: number;
  readonly deadlineMs: number;
}

/** What {@link QueryBook.respondTo} found. */
export type RespondCheck =
  { readonly ok: true; readonly query: ReceivedQuery } | { readonly ok: false; readonly reason: string };

/** Both books: queries started here (keyed by LTime, as Serf) and queries received here. */
export class QueryBook {
  private readonly outstanding = new Map<number, Outstanding>();
  private readonly received = new Map<string, ReceivedQuery>();

  /** Start collecting for a query we sent. */
  open(lTime: number, id: number, wantsAcks: boolean): void {
    this.outstanding.set(lTime, { id, acks: wantsAcks ? new Set() : undefined, responses: new Set() });
  }

  /** Stop collecting (deadline reached). */
  close(lTime: number): void {
    this.outstanding.delete(lTime);
  }

  /**
   * An answer arrived: true when it belongs to an open query and is the first of its kind
   * (ack or response) from that node; duplicates, strays and late answers are false.
   */
  recordAnswer(lTime: number, id: number, from: string, ack: boolean): boolean {
    const q = this.outstanding.get(lTime);
    if (q === undefined || q.id !== id) return false;
    const seen = ack ? q.acks : q.responses;
    if (seen === undefined || seen.has(from)) return false;
    seen.add(from);
    return true;
  }

  /** Number of queries still collecting (tests, metrics). */
  openCount(): number {
    return this.outstanding.size;
  }

  /** Remember a received query so that a later `respond` knows where to answer. */
  remember(query: ReceivedQuery): void {
    this.received.set(`${query.lTime}:${query.id}`, query);
  }

  /**
   * Claim the right to answer a received query: refused if unknown, past its deadline, or
   * already answered (Serf clears the deadline after the first response).
   */
  respondTo(id: number, lTime: number, nowMs: number): RespondCheck {
    const key = `${lTime}:${id}`;
    const query = this.received.get(key);
    if (query === undefined)
      return { ok: false, reason: `query ${id} (LTime ${lTime}) is unknown or was answered` };
    if (nowMs > query.deadlineMs) return { ok: false, reason: `query ${id} is past its deadline` };
    this.received.delete(key);
    return { ok: true, query };
  }

  /** Forget received queries past their deadline. */
  expire(nowMs: number): void {
    for (const [key, q] of this.received) if (q.deadlineMs < nowMs) this.received.delete(key);
  }
}

/**
 * Serf's relay peers for a response (`query.go` relayResponse / kRandomMembers): up to
 * `relayFactor` random alive members other than ourselves that speak memberlist protocol 5;
 * none unless there are more than `relayFactor` members.
 */
export function pickRelays(
  members: readonly SerfMember[],
  relayFactor: number,
  selfName: string,
  rng: Rng,
): SerfMember[] {
  if (relayFactor <= 0 || members.length < relayFactor + 1) return [];
  return pickRandom(
    members,
    relayFactor,
    rng,
    (m) => m.status !== "alive" || (m.vsn[1] ?? 0) < 5 || m.name === selfName,
  );
}
