/**
 * Gossip encoding of catalog updates and full state.
 *
 * Each message starts with a kind byte, then compact JSON (short keys, checks as tuples, the
 * node and service fields of checks rebuilt on decode). JSON keeps the format inspectable and
 * forward-tolerant; the short keys keep a typical service with one check near 250 bytes so
 * several fit one gossip packet. Updates larger than a packet are split into fragments
 * (see wire-fragments.ts); full state rides in push/pull over TCP and is never split.
 *
 * Decoding validates every field and throws only {@link DecodeError}.
 */
import { Type, type Static } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { DecodeError } from "../../errors.js";
import {
  type AgentService,
  type FullState,
  type HealthCheck,
  type NodeState,
  type ServiceEntry,
  type ServiceUpdate,
  NODE_ENTRY_ID,
} from "./record.js";

/** The first byte of every catalog message. */
export const WireKind = { update: 1, fragment: 2, fullState: 3 } as const;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const Str = Type.String({ maxLength: 65_536 });
const Name = Type.String({ maxLength: 1024 });
const Count = Type.Integer({ minimum: 0, maximum: MAX_SAFE });

const WireService = Type.Object({
  n: Name,
  t: Type.Array(Str, { maxItems: 4096 }),
  m: Type.Record(Type.String(), Str),
  p: Type.Integer({ minimum: 0, maximum: 65_535 }),
  a: Str,
  ta: Type.Optional(
    Type.Record(Type.String(), Type.Object({ a: Str, p: Type.Integer({ minimum: 0, maximum: 65_535 }) })),
  ),
  w: Type.Tuple([Count, Count]),
  o: Type.Boolean(),
});

const WireCheck = Type.Tuple([
  Name,
  Str,
  Type.Union([Type.Literal("passing"), Type.Literal("warning"), Type.Literal("critical")]),
  Str,
  Str,
  Name,
]);

const WireEntry = Type.Object({
  i: Name,
  g: Count,
  c: Count,
  s: Type.Union([WireService, Type.Null()]),
  k: Type.Array(WireCheck, { maxItems: 4096 }),
});

/**
 * `ts` is the origin's wall-clock time (ms since the epoch) when it first published this
 * version; relays keep it, so a receiver can measure propagation delay. Optional: messages
 * from agents that predate it still decode (and unknown keys are ignored either way).
 */
const WireUpdate = Type.Object({ n: Name, a: Name, e: WireEntry, ts: Type.Optional(Count) });

const WireFullState = Type.Object({
  f: Name,
  fv: Type.Tuple([Count, Count]),
  n: Type.Array(Type.Object({ n: Name, a: Name, e: Type.Array(WireEntry) })),
});

const checkUpdate = TypeCompiler.Compile(WireUpdate);
const checkFullState = TypeCompiler.Compile(WireFullState);

type WireEntryT = Static<typeof WireEntry>;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

function entryToWire(entry: ServiceEntry): WireEntryT {
  const s = entry.service;
  return {
    i: entry.id,
    g: entry.version.generation,
    c: entry.version.counter,
    s:
      s === null
        ? null
        : {
            n: s.Service,
            t: [...s.Tags],
            m: { ...s.Meta },
            p: s.Port,
            a: s.Address,
            ...(s.TaggedAddresses === undefined
              ? {}
              : {
                  ta: Object.fromEntries(
                    Object.entries(s.TaggedAddresses).map(([k, v]) => [k, { a: v.Address, p: v.Port }]),
                  ),
                }),
            w: [s.Weights.Passing, s.Weights.Warning],
            o: s.EnableTagOverride,
          },
    k: entry.checks.map((c) => [c.CheckID, c.Name, c.Status, c.Notes, c.Output, c.Type]),
  };
}

function entryFromWire(node: string, wire: WireEntryT): ServiceEntry {
  if (wire.i === NODE_ENTRY_ID && wire.s !== null)
    throw new DecodeError("catalog: the node entry cannot carry a service");
  if (wire.i !== NODE_ENTRY_ID && wire.s === null && wire.k.length > 0) {
    throw new DecodeError("catalog: a tombstone cannot carry checks");
  }
  const s = wire.s;
  const service: AgentService | null =
    s === null
      ? null
      : {
          ID: wire.i,
          Service: s.n,
          Tags: s.t,
          Meta: s.m,
          Port: s.p,
          Address: s.a,
          ...(s.ta === undefined
            ? {}
            : {
                TaggedAddresses: Object.fromEntries(
                  Object.entries(s.ta).map(([k, v]) => [k, { Address: v.a, Port: v.p }]),
                ),
              }),
          Weights: { Passing: s.w[0], Warning: s.w[1] },
          EnableTagOverride: s.o,
        };
  const checks: HealthCheck[] = wire.k.map(([CheckID, Name, Status, Notes, Output, CheckType]) => ({
    Node: node,
    CheckID,
    Name,
    Status,
    Notes,
    Output,
    ServiceID: service?.ID ?? "",
    ServiceName: service?.Service ?? "",
    ServiceTags: service?.Tags ?? [],
    Type: CheckType,
  }));
  return { id: wire.i, version: { generation: wire.g, counter: wire.c }, service, checks };
}

function frame(kind: number, json: unknown): Uint8Array {
  const body = encoder.encode(JSON.stringify(json));
  const out = new Uint8Array(body.length + 1);
  out[0] = kind;
  out.set(body, 1);
  return out;
}

function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(decoder.decode(bytes.subarray(1)));
  } catch (error) {
    throw new DecodeError(`catalog: ${what} is not valid UTF-8 JSON`, { cause: error });
  }
}

/** An update with the origin's publication stamp, when the sender included one. */
export interface StampedUpdate {
  readonly update: ServiceUpdate;
  /** Origin wall-clock ms since the epoch. */
  readonly originMs: number | undefined;
}

/** Encodes one update as a single (unfragmented) message, stamped with `originMs` if given. */
export function encodeUpdate(update: ServiceUpdate, originMs?: number): Uint8Array {
  return frame(WireKind.update, {
    n: update.node,
    a: update.address,
    e: entryToWire(update.entry),
    ...(originMs === undefined ? {} : { ts: Math.max(0, Math.round(originMs)) }),
  });
}

/** Decodes a message produced by {@link encodeUpdate}, keeping its stamp. */
export function decodeStampedUpdate(bytes: Uint8Array): StampedUpdate {
  if (bytes[0] !== WireKind.update) throw new DecodeError("catalog: not an update message");
  const json = parseJson(bytes, "update");
  if (!checkUpdate.Check(json))
    throw new DecodeError(`catalog: malformed update (${firstError(checkUpdate, json)})`);
  return {
    update: { node: json.n, address: json.a, entry: entryFromWire(json.n, json.e) },
    originMs: json.ts,
  };
}

/** Decodes a message produced by {@link encodeUpdate}. */
export function decodeUpdate(bytes: Uint8Array): ServiceUpdate {
  return decodeStampedUpdate(bytes).update;
}

/** Encodes a full catalog for push/pull. */
export function encodeFullState(state: FullState): Uint8Array {
  return frame(WireKind.fullState, {
    f: state.from,
    fv: [state.fromVersion.generation, state.fromVersion.counter],
    n: state.nodes.map((n) => ({ n: n.node, a: n.address, e: n.entries.map(entryToWire) })),
  });
}

/** Decodes a message produced by {@link encodeFullState}. */
export function decodeFullState(bytes: Uint8Array): FullState {
  if (bytes[0] !== WireKind.fullState) throw new DecodeError("catalog: not a full-state message");
  const json = parseJson(bytes, "full state");
  if (!checkFullState.Check(json)) {
    throw new DecodeError(`catalog: malformed full state (${firstError(checkFullState, json)})`);
  }
  const nodes: NodeState[] = json.n.map((n) => ({
    node: n.n,
    address: n.a,
    entries: n.e.map((e) => entryFromWire(n.n, e)),
  }));
  return { from: json.f, fromVersion: { generation: json.fv[0], counter: json.fv[1] }, nodes };
}

function firstError(
  compiled: { Errors(value: unknown): Iterable<{ path: string; message: string }> },
  value: unknown,
): string {
  for (const error of compiled.Errors(value)) return `${error.path || "/"}: ${error.message}`;
  return "invalid";
}
