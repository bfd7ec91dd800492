/**
 * TypeBox schemas of the API: Consul's response shapes (they drive fastify's serializer and
 * the filter language's selector checks) and the common parameter shapes.
 */
import { Type, type TSchema } from "@sinclair/typebox";

const Str = Type.String();
const Int = Type.Integer();
const StrMap = Type.Record(Type.String(), Type.String());

/** A query parameter that may be repeated. */
export const QueryValue = Type.Union([Type.String(), Type.Array(Type.String())]);

/** Query strings: the named parameters are typed, anything else (stale, token, ns…) is accepted. */
export function QueryString<T extends Record<string, TSchema>>(properties: T) {
  return Type.Partial(Type.Object(properties), { additionalProperties: true });
}

/** Parameters of every blocking endpoint. */
export const BlockingQuery = {
  index: QueryValue,
  wait: QueryValue,
  filter: QueryValue,
  dc: QueryValue,
} as const;

/** A path with one `:name` parameter. */
export function PathParams<K extends string>(...names: K[]) {
  return Type.Object(Object.fromEntries(names.map((n) => [n, Type.String()])) as Record<K, typeof Str>);
}

/** Plain-text error bodies. */
export const ErrorText = Type.String();

/** Consul's HealthCheck. */
export const HealthCheckSchema = Type.Object({
  Node: Str,
  CheckID: Str,
  Name: Str,
  Status: Str,
  Notes: Str,
  Output: Str,
  ServiceID: Str,
  ServiceName: Str,
  ServiceTags: Type.Array(Str),
  Type: Str,
  Interval: Type.Optional(Str),
  Timeout: Type.Optional(Str),
  ExposedPort: Int,
  Definition: Type.Object({}, { additionalProperties: true }),
  CreateIndex: Int,
  ModifyIndex: Int,
});

const TaggedAddressSchema = Type.Object({ Address: Str, Port: Int });
const WeightsSchema = Type.Object({ Passing: Int, Warning: Int });

/** Consul's AgentService (agent endpoints and health entries). */
export const AgentServiceSchema = Type.Object({
  ID: Str,
  Service: Str,
  Tags: Type.Array(Str),
  Meta: StrMap,
  Port: Int,
  Address: Str,
  TaggedAddresses: Type.Optional(Type.Record(Type.String(), TaggedAddressSchema)),
  Weights: WeightsSchema,
  EnableTagOverride: Type.Boolean(),
  Datacenter: Type.Optional(Str),
  ContentHash: Type.Optional(Str),
  CreateIndex: Type.Optional(Int),
  ModifyIndex: Type.Optional(Int),
});

/** Consul's Node (catalog and health endpoints). */
export const NodeSchema = Type.Object({
  ID: Str,
  Node: Str,
  Address: Str,
  Datacenter: Str,
  TaggedAddresses: StrMap,
  Meta: StrMap,
  CreateIndex: Int,
  ModifyIndex: Int,
});

/** One `/v1/catalog/service/:name` entry (Consul's ServiceNode). */
export const CatalogServiceSchema = Type.Object({
  ID: Str,
  Node: Str,
  Address: Str,
  Datacenter: Str,
  TaggedAddresses: StrMap,
  NodeMeta: StrMap,
  ServiceKind: Str,
  ServiceID: Str,
  ServiceName: Str,
  ServiceTags: Type.Array(Str),
  ServiceAddress: Str,
  ServiceTaggedAddresses: Type.Record(Type.String(), TaggedAddressSchema),
  ServiceWeights: WeightsSchema,
  ServiceMeta: StrMap,
  ServicePort: Int,
  ServiceEnableTagOverride: Type.Boolean(),
  ServiceProxy: Type.Object({}, { additionalProperties: true }),
  ServiceConnect: Type.Object({}, { additionalProperties: true }),
  CreateIndex: Int,
  ModifyIndex: Int,
});

/** One `/v1/health/service/:name` entry. */
export const ServiceHealthSchema = Type.Object({
  Node: NodeSchema,
  Service: AgentServiceSchema,
  Checks: Type.Array(HealthCheckSchema),
});

/** `/v1/catalog/node/:node`. */
export const CatalogNodeSchema = Type.Union([
  Type.Object({ Node: NodeSchema, Services: Type.Record(Type.String(), AgentServiceSchema) }),
  Type.Null(),
]);

/** A members entry (Consul's agent/members). */
export const MemberSchema = Type.Object({
  Name: Str,
  Addr: Str,
  Port: Int,
  Tags: StrMap,
  Status: Int,
  ProtocolMin: Int,
  ProtocolMax: Int,
  ProtocolCur: Int,
  DelegateMin: Int,
  DelegateMax: Int,
  DelegateCur: Int,
});

/** `/v1/agent/self`. */
export const SelfSchema = Type.Object({
  Config: Type.Object({
    Datacenter: Str,
    NodeName: Str,
    NodeID: Str,
    Server: Type.Boolean(),
    Revision: Str,
    Version: Str,
  }),
  DebugConfig: Type.Object({}, { additionalProperties: true }),
  Coord: Type.Object({
    Vec: Type.Array(Type.Number()),
    Error: Type.Number(),
    Adjustment: Type.Number(),
    Height: Type.Number(),
  }),
  Member: MemberSchema,
  Meta: StrMap,
  Stats: Type.Record(Type.String(), StrMap),
});

/** A user event (Consul's UserEvent). */
export const UserEventSchema = Type.Object({
  ID: Str,
  Name: Str,
  Payload: Type.Union([Str, Type.Null()]),
  NodeFilter: Str,
  ServiceFilter: Str,
  TagFilter: Str,
  Version: Int,
  LTime: Int,
});

/** One keyring answer (Consul's KeyringResponse). */
export const KeyringSchema = Type.Object({
  WAN: Type.Boolean(),
  Datacenter: Str,
  Segment: Str,
  Keys: Type.Record(Type.String(), Int),
  PrimaryKeys: Type.Record(Type.String(), Int),
  NumNodes: Int,
  Messages: StrMap,
});
