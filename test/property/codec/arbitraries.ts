/** fast-check arbitraries for every memberlist and Serf message. */
import fc from "fast-check";
import { utf8Decode } from "../../../src/swim/codec/utf8.js";
import type {
  AckResp,
  Alive,
  Dead,
  ErrResp,
  IndirectPing,
  NackResp,
  NodeStateValue,
  PacketMessage,
  Ping,
  PushNodeState,
  PushPull,
  SerfMessage,
  SerfPushPull,
  StreamMessage,
  Suspect,
  UserMessage,
} from "../../../src/swim/codec/types.js";

export const u16 = fc.integer({ min: 0, max: 0xffff });
export const u32 = fc.integer({ min: 0, max: 0xffffffff });
export const u64 = fc.oneof(u32, fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
/** Well-formed Unicode strings, and arbitrary Go byte strings decoded losslessly. */
export const goString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.uint8Array({ maxLength: 40 }).map((b) => utf8Decode(b)),
  fc.string({ maxLength: 70 }),
);
export const byteStr = fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc.uint8Array({ minLength: 30, maxLength: 300 }),
);
const ip = fc.oneof(
  fc.uint8Array({ minLength: 4, maxLength: 4 }),
  fc.uint8Array({ minLength: 16, maxLength: 16 }),
);
const vsn = fc.uint8Array({ minLength: 6, maxLength: 6 });
const nonEmptyBytes = fc.uint8Array({ minLength: 1, maxLength: 16 });
const nonEmptyString = goString.filter((s) => s.length > 0);

/** Optional omitempty fields: absent, or a non-empty value (empty would be omitted on the wire). */
function sourceFields(): fc.Arbitrary<{ sourceAddr?: Uint8Array; sourcePort?: number; sourceNode?: string }> {
  return fc.record(
    {
      sourceAddr: nonEmptyBytes,
      sourcePort: fc.integer({ min: 1, max: 0xffff }),
      sourceNode: nonEmptyString,
    },
    { requiredKeys: [] },
  );
}

export const ping: fc.Arbitrary<Ping> = fc
  .tuple(fc.record({ seqNo: u32, node: goString }), sourceFields())
  .map(([a, s]) => ({ kind: "ping", ...a, ...s }));

export const indirectPing: fc.Arbitrary<IndirectPing> = fc
  .tuple(fc.record({ seqNo: u32, target: ip, port: u16, node: goString, nack: fc.boolean() }), sourceFields())
  .map(([a, s]) => ({ kind: "indirectPing", ...a, ...s }));

export const ackResp: fc.Arbitrary<AckResp> = fc.record({
  kind: fc.constant("ackResp" as const),
  seqNo: u32,
  payload: fc.option(byteStr, { nil: null }),
});
export const nackResp: fc.Arbitrary<NackResp> = fc.record({
  kind: fc.constant("nackResp" as const),
  seqNo: u32,
});
export const suspect: fc.Arbitrary<Suspect> = fc.record({
  kind: fc.constant("suspect" as const),
  incarnation: u32,
  node: goString,
  from: goString,
});
export const dead: fc.Arbitrary<Dead> = fc.record({
  kind: fc.constant("dead" as const),
  incarnation: u32,
  node: goString,
  from: goString,
});
export const alive: fc.Arbitrary<Alive> = fc.record({
  kind: fc.constant("alive" as const),
  incarnation: u32,
  node: goString,
  addr: ip,
  port: u16,
  meta: fc.uint8Array({ maxLength: 512 }),
  vsn,
});
export const user: fc.Arbitrary<UserMessage> = fc.record({
  kind: fc.constant("user" as const),
  payload: byteStr,
});
export const errResp: fc.Arbitrary<ErrResp> = fc.record({
  kind: fc.constant("err" as const),
  error: goString,
});

export const packetMessage: fc.Arbitrary<PacketMessage> = fc.oneof(
  ping,
  indirectPing,
  ackResp,
  nackResp,
  suspect,
  alive,
  dead,
  user,
);

export const pushNodeState: fc.Arbitrary<PushNodeState> = fc.record({
  name: goString,
  addr: ip,
  port: u16,
  meta: fc.uint8Array({ maxLength: 64 }),
  incarnation: u32,
  state: fc.constantFrom<NodeStateValue>(0, 1, 2, 3),
  vsn,
});

export const pushPull: fc.Arbitrary<PushPull> = fc.record({
  kind: fc.constant("pushPull" as const),
  join: fc.boolean(),
  nodes: fc.array(pushNodeState, { maxLength: 20 }),
  userState: fc.uint8Array({ maxLength: 2000 }),
});

export const streamMessage: fc.Arbitrary<StreamMessage> = fc.oneof(pushPull, ping, ackResp, user, errResp);

const serfPushPull: fc.Arbitrary<SerfPushPull> = fc.record({
  kind: fc.constant("pushPull" as const),
  lTime: u64,
  statusLTimes: fc.array(fc.tuple(goString, u64), { maxLength: 10 }).map((e) => new Map(e)),
  leftMembers: fc.array(goString, { maxLength: 5 }),
  eventLTime: u64,
  events: fc.array(
    fc.option(
      fc.record({
        lTime: u64,
        events: fc.array(fc.record({ name: goString, payload: byteStr }), { maxLength: 3 }),
      }),
      { nil: null },
    ),
    { maxLength: 40 },
  ),
  queryLTime: u64,
});

export const serfMessage: fc.Arbitrary<SerfMessage> = fc.oneof(
  fc.record({ kind: fc.constant("leave" as const), lTime: u64, node: goString, prune: fc.boolean() }),
  fc.record({ kind: fc.constant("join" as const), lTime: u64, node: goString }),
  serfPushPull,
  fc.record({
    kind: fc.constant("userEvent" as const),
    lTime: u64,
    name: goString,
    payload: byteStr,
    cc: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant("query" as const),
    lTime: u64,
    id: u32,
    addr: ip,
    port: u16,
    sourceNode: goString,
    filters: fc.array(byteStr, { maxLength: 4 }),
    flags: u32,
    relayFactor: fc.integer({ min: 0, max: 255 }),
    timeoutNs: fc.integer({ min: -(2 ** 53) + 1, max: Number.MAX_SAFE_INTEGER }),
    name: goString,
    payload: byteStr,
  }),
  fc.record({
    kind: fc.constant("queryResponse" as const),
    lTime: u64,
    id: u32,
    from: goString,
    flags: u32,
    payload: byteStr,
  }),
  fc.record({
    kind: fc.constant("relay" as const),
    destAddr: fc.record({ ip, port: u16, zone: goString }),
    destName: goString,
    inner: nonEmptyBytes,
  }),
);
