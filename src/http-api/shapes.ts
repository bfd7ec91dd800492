/**
 * Conversions from the catalog's and agent's data to Consul's JSON shapes. The filter
 * language evaluates against these objects, so their field names are Consul's.
 */
import { createHash } from "node:crypto";
import type { CatalogInstance, CatalogNode, IndexedCheck } from "../agent/catalog/catalog-store.js";
import { canonicalJson } from "../agent/catalog/canonical.js";
import type { AgentService } from "../agent/catalog/record.js";
import type { KeyringResponse, MemberInfo, MemberStatus, UserEventInfo } from "./agent-view.js";

/** Consul's (Serf's) member status numbers. */
const STATUS_NUMBERS: Readonly<Record<MemberStatus, number>> = {
  none: 0,
  alive: 1,
  leaving: 2,
  left: 3,
  failed: 4,
};

/** A node's tagged addresses as Consul fills them (`lan`, `wan` and the `_ipv4` variants). */
function nodeTaggedAddresses(address: string): Record<string, string> {
  const ipv4 = /^\d{1,3}(\.\d{1,3}){3}$/.test(address);
  return ipv4
    ? { lan: address, lan_ipv4: address, wan: address, wan_ipv4: address }
    : { lan: address, wan: address };
}

/** Consul's Node. */
export function nodeJson(node: CatalogNode, datacenter: string) {
  return {
    ID: node.id,
    Node: node.name,
    Address: node.address,
    Datacenter: datacenter,
    TaggedAddresses: nodeTaggedAddresses(node.address),
    Meta: { ...node.meta },
    CreateIndex: node.createIndex,
    ModifyIndex: node.modifyIndex,
  };
}

/** Consul's HealthCheck. */
export function checkJson(check: IndexedCheck) {
  return {
    Node: check.Node,
    CheckID: check.CheckID,
    Name: check.Name,
    Status: check.Status,
    Notes: check.Notes,
    Output: check.Output,
    ServiceID: check.ServiceID,
    ServiceName: check.ServiceName,
    ServiceTags: [...check.ServiceTags],
    Type: check.Type,
    ExposedPort: 0,
    Definition: {},
    CreateIndex: check.CreateIndex,
    ModifyIndex: check.ModifyIndex,
  };
}

/** Consul's AgentService, with optional extras per endpoint. */
export function serviceJson(
  service: AgentService,
  extra: { datacenter?: string; createIndex?: number; modifyIndex?: number; contentHash?: boolean } = {},
) {
  return {
    ID: service.ID,
    Service: service.Service,
    Tags: [...service.Tags],
    Meta: { ...service.Meta },
    Port: service.Port,
    Address: service.Address,
    ...(service.TaggedAddresses === undefined ? {} : { TaggedAddresses: { ...service.TaggedAddresses } }),
    Weights: { ...service.Weights },
    EnableTagOverride: service.EnableTagOverride,
    ...(extra.datacenter === undefined ? {} : { Datacenter: extra.datacenter }),
    ...(extra.contentHash === true ? { ContentHash: contentHash(service) } : {}),
    ...(extra.createIndex === undefined ? {} : { CreateIndex: extra.createIndex }),
    ...(extra.modifyIndex === undefined ? {} : { ModifyIndex: extra.modifyIndex }),
  };
}

/** An opaque hash of a service definition, for hash-based blocking on `/v1/agent/service/:id`. */
export function contentHash(service: AgentService): string {
  return createHash("sha256").update(canonicalJson(service)).digest("hex").slice(0, 16);
}

/** One `/v1/catalog/service/:name` entry. */
export function catalogServiceJson(instance: CatalogInstance, datacenter: string) {
  const { node, service } = instance;
  return {
    ID: node.id,
    Node: node.name,
    Address: node.address,
    Datacenter: datacenter,
    TaggedAddresses: nodeTaggedAddresses(node.address),
    NodeMeta: { ...node.meta },
    ServiceKind: "",
    ServiceID: service.ID,
    ServiceName: service.Service,
    ServiceTags: [...service.Tags],
    ServiceAddress: service.Address,
    ServiceTaggedAddresses: { ...(service.TaggedAddresses ?? {}) },
    ServiceWeights: { ...service.Weights },
    ServiceMeta: { ...service.Meta },
    ServicePort: service.Port,
    ServiceEnableTagOverride: service.EnableTagOverride,
    ServiceProxy: {},
    ServiceConnect: {},
    CreateIndex: instance.createIndex,
    ModifyIndex: instance.modifyIndex,
  };
}

/** One `/v1/health/service/:name` entry: node checks first, then the service's. */
export function serviceHealthJson(instance: CatalogInstance, datacenter: string) {
  return {
    Node: nodeJson(instance.node, datacenter),
    Service: serviceJson(instance.service, {
      createIndex: instance.createIndex,
      modifyIndex: instance.modifyIndex,
    }),
    Checks: [...instance.nodeChecks, ...instance.checks].map(checkJson),
  };
}

/** A members entry. */
export function memberJson(member: MemberInfo) {
  return {
    Name: member.name,
    Addr: member.addr,
    Port: member.port,
    Tags: { ...member.tags },
    Status: STATUS_NUMBERS[member.status],
    ProtocolMin: member.protocolMin,
    ProtocolMax: member.protocolMax,
    ProtocolCur: member.protocolCur,
    DelegateMin: member.delegateMin,
    DelegateMax: member.delegateMax,
    DelegateCur: member.delegateCur,
  };
}

/** Consul's UserEvent (payload base64, null when empty). */
export function userEventJson(event: UserEventInfo) {
  return {
    ID: event.id,
    Name: event.name,
    Payload: event.payload.length === 0 ? null : Buffer.from(event.payload).toString("base64"),
    NodeFilter: event.nodeFilter,
    ServiceFilter: event.serviceFilter,
    TagFilter: event.tagFilter,
    Version: 1,
    LTime: event.lTime,
  };
}

/** Consul's KeyringResponse. */
export function keyringJson(response: KeyringResponse, datacenter: string) {
  return {
    WAN: false,
    Datacenter: datacenter,
    Segment: "",
    Keys: { ...response.keys },
    PrimaryKeys: { ...response.primaryKeys },
    NumNodes: response.numNodes,
    Messages: { ...response.messages },
  };
}

/** `host:port`, bracketing IPv6 hosts. */
export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
