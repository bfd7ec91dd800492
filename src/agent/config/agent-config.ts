/**
 * The resolved, frozen configuration the agent runs with: the options, with addresses parsed,
 * and the profile preset overlaid with explicit timing options into ready-to-use memberlist
 * and Serf settings (milliseconds throughout).
 */
import type { Address } from "../../swim/core/api.js";
import { AGENT_PROFILES, type MemberlistConfig } from "../../swim/core/config.js";
import { defaultSerfConfig, type SerfConfig } from "../../swim/core/serf/config.js";
import type { HostPort } from "../../swim/runtime/address.js";
import { parseAddress, parseHostPort } from "../../swim/runtime/address.js";
import { GOSSIP_PORT, HTTP_PORT } from "./checks.js";
import { OPTION_NAMES, optionMeta, type AgentOptions } from "./schema.js";

type DeepReadonly<T> = T extends readonly (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** Options that {@link AgentConfig} replaces with resolved forms. */
type ResolvedAway =
  | "bind"
  | "advertise"
  | "httpAddr"
  | "retryInterval"
  | "gossipInterval"
  | "gossipNodes"
  | "probeInterval"
  | "probeTimeout"
  | "suspicionMult"
  | "suspicionMaxTimeoutMult"
  | "pushPullInterval"
  | "refusedSuspicionTimeout"
  | "retransmitMult"
  | "reconnectInterval"
  | "reconnectTimeout"
  | "tombstoneTimeout";

/**
 * The agent's configuration. Every option of the schema, except that addresses are parsed,
 * `retryInterval` is `retryIntervalMs`, and timing options live resolved in `memberlist`
 * (profile preset + overrides) and `serf` (Serf defaults + reconnect/tombstone options).
 */
export type AgentConfig = DeepReadonly<Omit<AgentOptions, ResolvedAway>> & {
  /** Gossip bind address (IP literal; port 0 lets the OS choose). */
  readonly bind: Address;
  /** Address gossiped to peers; its port defaults to the bind port. */
  readonly advertise?: Address;
  /** HTTP API listen address (the host may be a DNS name such as `localhost`). */
  readonly httpAddr: HostPort;
  /** Time between retry-join attempts. */
  readonly retryIntervalMs: number;
  /** memberlist settings: the profile's preset with explicit timing options applied. */
  readonly memberlist: MemberlistConfig;
  /** Serf settings: Serf's defaults with the reconnect and tombstone options applied. */
  readonly serf: SerfConfig;
  /** Config files read, in merge order (for `info` and SIGHUP reloads). */
  readonly configFiles: readonly string[];
  /** Notes to log once logging is up (mapped Serf keys, unknown `SHOAL_*` variables). */
  readonly warnings: readonly string[];
};

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Builds the frozen {@link AgentConfig} from complete options that already passed
 * `checkOptions` (so address parsing cannot throw here).
 */
export function resolveAgentConfig(
  options: AgentOptions,
  configFiles: readonly string[],
  warnings: readonly string[],
): AgentConfig {
  const memberlist: { -readonly [K in keyof MemberlistConfig]: MemberlistConfig[K] } =
    AGENT_PROFILES[options.profile]();
  const serf: { -readonly [K in keyof SerfConfig]: SerfConfig[K] } = defaultSerfConfig();
  for (const name of OPTION_NAMES) {
    const value = options[name];
    const meta = optionMeta(name);
    if (typeof value !== "number") continue;
    if (meta.memberlist !== undefined) memberlist[meta.memberlist] = value;
    if (meta.serf !== undefined) serf[meta.serf] = value;
  }
  const {
    bind,
    advertise,
    httpAddr,
    retryInterval,
    gossipInterval: _gi,
    gossipNodes: _gn,
    probeInterval: _pi,
    probeTimeout: _pt,
    suspicionMult: _sm,
    suspicionMaxTimeoutMult: _smt,
    pushPullInterval: _ppi,
    refusedSuspicionTimeout: _rst,
    retransmitMult: _rm,
    reconnectInterval: _ri,
    reconnectTimeout: _rt,
    tombstoneTimeout: _tt,
    ...rest
  } = options;
  const bindAddress = parseAddress(bind, GOSSIP_PORT);
  return deepFreeze({
    ...rest,
    bind: bindAddress,
    ...(advertise === undefined ? {} : { advertise: parseAddress(advertise, bindAddress.port) }),
    httpAddr: parseHostPort(httpAddr, HTTP_PORT),
    retryIntervalMs: retryInterval,
    memberlist,
    serf,
    configFiles: [...configFiles],
    warnings: [...warnings],
  });
}
