/**
 * How the agent presents a protocol member to its HTTP API (Consul's agent/members fields).
 */
import type { MemberView } from "../../swim/core/api.js";
import type { MemberInfo } from "../../http-api/agent-view.js";

/** A core member as the HTTP API's {@link MemberInfo}. */
export function memberInfo(m: MemberView): MemberInfo {
  const v = m.vsn;
  return {
    name: m.name,
    addr: m.address.host,
    port: m.address.port,
    tags: m.tags,
    status: m.status,
    protocolMin: v[0] ?? 0,
    protocolMax: v[1] ?? 0,
    protocolCur: v[2] ?? 0,
    delegateMin: v[3] ?? 0,
    delegateMax: v[4] ?? 0,
    delegateCur: v[5] ?? 0,
  };
}

/** `host:port`, IPv6 in brackets, as the snapshot records peers. */
export function addressText(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
