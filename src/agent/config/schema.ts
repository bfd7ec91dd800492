/**
 * The agent's options as one TypeBox schema: each property carries its default, its
 * description and its validation keywords, plus (under {@link OPTION_META}) how users spell it
 * as a flag, an environment variable and config-file keys. Flags, env, file parsing, the
 * `--help` text and the env table are all derived from this one table, so adding an option is
 * one edit here.
 *
 * Values are the *parsed* form: durations are milliseconds, addresses are validated text.
 */
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import {
  NODE_NAME_MAX_LENGTH,
  NODE_NAME_PATTERN,
  NODE_NAME_RULE_TEXT,
} from "../../swim/core/serf/node-name.js";

/** Symbol key of each property's {@link OptionMeta}; a symbol so it never leaks into JSON Schema. */
export const OPTION_META: unique symbol = Symbol("shoal.option");

/** How an option's text (flag, env) or JSON value is turned into its typed value. */
export type OptionKind =
  "string" | "integer" | "boolean" | "duration" | "enum" | "list" | "map" | "passthrough";

/** memberlist knobs an option overrides in the profile preset (see `swim/core/config.ts`). */
export type MemberlistTimingKey =
  | "gossipIntervalMs"
  | "gossipNodes"
  | "probeIntervalMs"
  | "probeTimeoutMs"
  | "suspicionMult"
  | "suspicionMaxTimeoutMult"
  | "pushPullIntervalMs"
  | "refusedSuspicionTimeoutMs"
  | "retransmitMult";

/** Serf knobs an option sets (see `swim/core/serf/config.ts`). */
export type SerfTimingKey =
  | "reconnectIntervalMs"
  | "reconnectTimeoutMs"
  | "tombstoneTimeoutMs"
  | "coalescePeriodMs"
  | "quiescentPeriodMs"
  | "userCoalescePeriodMs"
  | "userQuiescentPeriodMs";

/** Help-text sections, in display order. */
export const SECTIONS = [
  "Cluster",
  "Gossip tuning",
  "Security",
  "HTTP API",
  "Lifecycle",
  "Logging",
  "Persistence",
] as const;

/** One of {@link SECTIONS}. */
export type Section = (typeof SECTIONS)[number];

/** How users spell one option, beyond what JSON Schema can say. */
export interface OptionMeta {
  readonly kind: OptionKind;
  readonly section: Section;
  /** Long flag name without dashes; absent when the option is file/env only. */
  readonly flag?: string;
  /** Placeholder for the flag's value in `--help` (`--bind <addr>`). */
  readonly placeholder?: string;
  /** Environment variable, when it is not `SHOAL_` + the option's SNAKE_CASE name. */
  readonly env?: string;
  /** No environment variable: the option is set in config files only. */
  readonly noEnv?: true;
  /** Separator of list/map items in the environment variable (default ","). */
  readonly envSeparator?: string;
  /** Config-file keys besides the camelCase name and its snake_case form (Serf's names). */
  readonly fileAliases?: readonly string[];
  /** Default shown in help when it is not a constant in the schema. */
  readonly defaultText?: string;
  /** Extra spellings of enum values (Serf says `err`; pino says `error`). */
  readonly enumAliases?: Readonly<Record<string, string>>;
  /** Message when the string `pattern` does not match. */
  readonly patternText?: string;
  /** The preset knob this option overrides; its default comes from the profile. */
  readonly memberlist?: MemberlistTimingKey;
  /** The Serf knob this option sets. */
  readonly serf?: SerfTimingKey;
}

function opt<T extends TSchema>(schema: T, meta: OptionMeta): T & { readonly [OPTION_META]: OptionMeta } {
  return Object.assign(schema, { [OPTION_META]: meta });
}

/** Longest delay Node's timers take (2^31-1 ms); longer ones fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;
const SECOND = 1_000;
const HOUR = 3_600_000;

const LogLevelSchema = Type.Union(
  [
    Type.Literal("trace"),
    Type.Literal("debug"),
    Type.Literal("info"),
    Type.Literal("warn"),
    Type.Literal("error"),
  ],
  { default: "info", description: "trace, debug, info, warn or error" },
);

/** The agent's options (parsed values, durations in ms). Defaults are JSON Schema `default`s. */
export const AgentOptionsSchema = Type.Object(
  {
    nodeName: opt(
      Type.String({
        minLength: 1,
        maxLength: NODE_NAME_MAX_LENGTH,
        pattern: NODE_NAME_PATTERN,
        description: "Unique name of this node in the cluster",
      }),
      {
        kind: "string",
        section: "Cluster",
        flag: "node",
        placeholder: "name",
        env: "SHOAL_NODE",
        defaultText: "the hostname",
        // The rule lives in the core, which applies it to every peer's name too.
        patternText: NODE_NAME_RULE_TEXT,
      },
    ),
    bind: opt(
      Type.String({
        default: "0.0.0.0:7946",
        description: "Gossip UDP+TCP bind address; IP[:port], IPv6 as [::1]:7946; port defaults to 7946",
      }),
      { kind: "string", section: "Cluster", flag: "bind", placeholder: "addr" },
    ),
    advertise: Type.Optional(
      opt(
        Type.String({
          description: "Address gossiped to peers (NAT, containers); port defaults to the bind port",
        }),
        {
          kind: "string",
          section: "Cluster",
          flag: "advertise",
          placeholder: "addr",
          defaultText: "bind address",
        },
      ),
    ),
    join: opt(
      Type.Array(Type.String(), {
        default: [],
        description: "Address to join at start (host, host:port, [v6]:port); the agent exits if none answer",
      }),
      {
        kind: "list",
        section: "Cluster",
        flag: "join",
        placeholder: "addr",
        fileAliases: ["start_join"],
      },
    ),
    retryJoin: opt(
      Type.Array(Type.String(), { default: [], description: "Address to join, retrying until one answers" }),
      { kind: "list", section: "Cluster", flag: "retry-join", placeholder: "addr" },
    ),
    retryInterval: opt(
      Type.Number({
        default: 30 * SECOND,
        minimum: SECOND,
        maximum: MAX_TIMER_MS,
        description: "Time between retry-join attempts (at least 1s)",
      }),
      { kind: "duration", section: "Cluster", flag: "retry-interval", placeholder: "duration" },
    ),
    retryMaxAttempts: opt(
      Type.Integer({
        default: 0,
        minimum: 0,
        description: "Retry-join attempts before exiting; 0 retries forever",
      }),
      { kind: "integer", section: "Cluster" },
    ),
    tags: opt(
      Type.Record(Type.String(), Type.String(), {
        default: {},
        description: "Tag gossiped with this node, key=value (512 encoded bytes in all)",
      }),
      { kind: "map", section: "Cluster", flag: "tag", placeholder: "key=value" },
    ),
    tagsFile: Type.Optional(
      opt(
        Type.String({
          minLength: 1,
          description: "JSON file of tags, rewritten on tag changes; configured tags override it",
        }),
        { kind: "string", section: "Cluster", flag: "tags-file", placeholder: "path" },
      ),
    ),
    profile: opt(
      Type.Union([Type.Literal("lan"), Type.Literal("wan"), Type.Literal("local")], {
        default: "lan",
        description: "Timing preset: lan, wan or local",
      }),
      {
        kind: "enum",
        section: "Gossip tuning",
        flag: "profile",
        placeholder: "name",
      },
    ),
    gossipInterval: Type.Optional(
      opt(
        Type.Number({
          minimum: 0,
          maximum: MAX_TIMER_MS,
          description: "Time between gossip rounds; 0 disables dedicated rounds",
        }),
        {
          kind: "duration",
          section: "Gossip tuning",
          flag: "gossip-interval",
          placeholder: "duration",
          memberlist: "gossipIntervalMs",
        },
      ),
    ),
    gossipNodes: Type.Optional(
      opt(Type.Integer({ minimum: 1, description: "Gossip fanout: peers per gossip round" }), {
        kind: "integer",
        section: "Gossip tuning",
        flag: "gossip-nodes",
        placeholder: "n",
        memberlist: "gossipNodes",
      }),
    ),
    probeInterval: Type.Optional(
      opt(
        Type.Number({
          exclusiveMinimum: 0,
          maximum: MAX_TIMER_MS,
          description: "Time between failure-detection probes",
        }),
        {
          kind: "duration",
          section: "Gossip tuning",
          flag: "probe-interval",
          placeholder: "duration",
          memberlist: "probeIntervalMs",
        },
      ),
    ),
    probeTimeout: Type.Optional(
      opt(
        Type.Number({
          exclusiveMinimum: 0,
          maximum: MAX_TIMER_MS,
          description: "How long a probe waits for an ack",
        }),
        {
          kind: "duration",
          section: "Gossip tuning",
          flag: "probe-timeout",
          placeholder: "duration",
          memberlist: "probeTimeoutMs",
        },
      ),
    ),
    suspicionMult: Type.Optional(
      opt(
        Type.Integer({ minimum: 1, description: "Suspicion timeout multiplier (of probe interval × log N)" }),
        {
          kind: "integer",
          section: "Gossip tuning",
          flag: "suspicion-mult",
          placeholder: "n",
          memberlist: "suspicionMult",
        },
      ),
    ),
    suspicionMaxTimeoutMult: Type.Optional(
      opt(
        Type.Integer({
          minimum: 1,
          description: "Upper bound of the suspicion timeout, as a multiple of the minimum",
        }),
        {
          kind: "integer",
          section: "Gossip tuning",
          memberlist: "suspicionMaxTimeoutMult",
        },
      ),
    ),
    pushPullInterval: Type.Optional(
      opt(
        Type.Number({
          minimum: 0,
          maximum: MAX_TIMER_MS,
          description: "Time between full-state TCP syncs; 0 disables them",
        }),
        {
          kind: "duration",
          section: "Gossip tuning",
          flag: "push-pull-interval",
          placeholder: "duration",
          memberlist: "pushPullIntervalMs",
        },
      ),
    ),
    refusedSuspicionTimeout: Type.Optional(
      opt(
        Type.Number({
          minimum: 0,
          maximum: MAX_TIMER_MS,
          description:
            "Suspicion timeout when a failed probe's TCP connect was refused (agent gone); 0: memberlist's timeout",
        }),
        {
          kind: "duration",
          section: "Gossip tuning",
          flag: "refused-suspicion-timeout",
          placeholder: "duration",
          memberlist: "refusedSuspicionTimeoutMs",
        },
      ),
    ),
    retransmitMult: Type.Optional(
      opt(Type.Integer({ minimum: 1, description: "Broadcast retransmits = this × ceil(log10(N+1))" }), {
        kind: "integer",
        section: "Gossip tuning",
        memberlist: "retransmitMult",
      }),
    ),
    encrypt: Type.Optional(
      opt(
        Type.String({ description: "Gossip encryption key, base64 of 16, 24 or 32 bytes (shoal keygen)" }),
        {
          kind: "string",
          section: "Security",
          flag: "encrypt",
          placeholder: "key",
          fileAliases: ["encrypt_key"],
        },
      ),
    ),
    keyringFile: Type.Optional(
      opt(
        Type.String({
          minLength: 1,
          description: "JSON keyring file (base64 keys, primary first); not together with encrypt",
        }),
        { kind: "string", section: "Security", flag: "keyring-file", placeholder: "path" },
      ),
    ),
    label: Type.Optional(
      opt(
        Type.String({ description: "Cluster label on every packet; peers with another label are ignored" }),
        { kind: "string", section: "Security", flag: "label", placeholder: "text" },
      ),
    ),
    gossipVerifyIncoming: opt(
      Type.Boolean({
        default: true,
        description:
          "With a key: refuse unencrypted gossip (false only while a cluster migrates to encryption)",
      }),
      {
        kind: "boolean",
        section: "Security",
        flag: "gossip-verify-incoming",
        fileAliases: ["verify_incoming"],
      },
    ),
    gossipVerifyOutgoing: opt(
      Type.Boolean({
        default: true,
        description: "With a key: encrypt outgoing gossip (false only in the first migration step)",
      }),
      {
        kind: "boolean",
        section: "Security",
        flag: "gossip-verify-outgoing",
        fileAliases: ["verify_outgoing"],
      },
    ),
    aclToken: Type.Optional(
      opt(Type.String({ minLength: 1, description: "Token HTTP API clients must present" }), {
        kind: "string",
        section: "Security",
        flag: "acl-token",
        placeholder: "token",
      }),
    ),
    aclDefaultDeny: opt(
      Type.Boolean({ default: false, description: "Refuse HTTP API requests that carry no valid token" }),
      { kind: "boolean", section: "Security", flag: "acl-default-deny" },
    ),
    httpAddr: opt(
      Type.String({ default: "127.0.0.1:8500", description: "HTTP API listen address, host:port" }),
      { kind: "string", section: "HTTP API", flag: "http-addr", placeholder: "addr" },
    ),
    httpRateLimit: opt(
      Type.Integer({
        // Off by default, as in Consul's agent: the API listens on loopback, and a local client
        // (a load balancer, a bulk registration) legitimately sends thousands of requests a second.
        default: 0,
        minimum: 0,
        description:
          "HTTP API requests per second allowed from one client address; 0 (the default) means no limit",
      }),
      { kind: "integer", section: "HTTP API", flag: "http-rate-limit", placeholder: "n" },
    ),
    httpTlsCert: Type.Optional(
      opt(Type.String({ minLength: 1, description: "PEM certificate for HTTPS (with http-tls-key)" }), {
        kind: "string",
        section: "HTTP API",
        flag: "http-tls-cert",
        placeholder: "path",
      }),
    ),
    httpTlsKey: Type.Optional(
      opt(Type.String({ minLength: 1, description: "PEM private key for HTTPS (with http-tls-cert)" }), {
        kind: "string",
        section: "HTTP API",
        flag: "http-tls-key",
        placeholder: "path",
      }),
    ),
    leaveOnTerminate: opt(
      Type.Boolean({ default: true, description: "Leave the cluster gracefully on SIGTERM" }),
      { kind: "boolean", section: "Lifecycle", flag: "leave-on-terminate" },
    ),
    skipLeaveOnInterrupt: opt(
      Type.Boolean({ default: false, description: "On SIGINT, stop without a graceful leave" }),
      { kind: "boolean", section: "Lifecycle" },
    ),
    eventHandlers: opt(
      Type.Array(Type.String(), {
        default: [],
        description: "Event handler script, Serf syntax [type[,type]=]script (env: one per line)",
      }),
      {
        kind: "list",
        section: "Lifecycle",
        flag: "event-handler",
        placeholder: "spec",
        envSeparator: "\n",
      },
    ),
    // Serf's agent hard-codes these four (3 s / 1 s each); Shoal lets them be tuned or set to 0.
    coalescePeriod: opt(
      Type.Number({
        default: 3 * SECOND,
        minimum: 0,
        maximum: MAX_TIMER_MS,
        description: "Longest member events are held to merge them for handlers and streams; 0 disables",
      }),
      {
        kind: "duration",
        section: "Lifecycle",
        flag: "coalesce-period",
        placeholder: "duration",
        serf: "coalescePeriodMs",
      },
    ),
    quiescentPeriod: opt(
      Type.Number({
        default: SECOND,
        minimum: 0,
        maximum: MAX_TIMER_MS,
        description: "Held member events go out once none came for this long; 0 disables coalescing",
      }),
      {
        kind: "duration",
        section: "Lifecycle",
        flag: "quiescent-period",
        placeholder: "duration",
        serf: "quiescentPeriodMs",
      },
    ),
    userCoalescePeriod: opt(
      Type.Number({
        default: 3 * SECOND,
        minimum: 0,
        maximum: MAX_TIMER_MS,
        description: "Longest coalescible user events are held (newest per name wins); 0 disables",
      }),
      {
        kind: "duration",
        section: "Lifecycle",
        flag: "user-coalesce-period",
        placeholder: "duration",
        serf: "userCoalescePeriodMs",
      },
    ),
    userQuiescentPeriod: opt(
      Type.Number({
        default: SECOND,
        minimum: 0,
        maximum: MAX_TIMER_MS,
        description: "Held user events go out once none came for this long; 0 disables coalescing",
      }),
      {
        kind: "duration",
        section: "Lifecycle",
        flag: "user-quiescent-period",
        placeholder: "duration",
        serf: "userQuiescentPeriodMs",
      },
    ),
    reconnectInterval: opt(
      Type.Number({
        default: 30 * SECOND,
        exclusiveMinimum: 0,
        maximum: MAX_TIMER_MS,
        description: "Time between attempts to reconnect to a failed member",
      }),
      { kind: "duration", section: "Lifecycle", serf: "reconnectIntervalMs" },
    ),
    reconnectTimeout: opt(
      Type.Number({
        default: 24 * HOUR,
        exclusiveMinimum: 0,
        description: "Failed members are forgotten after this",
      }),
      { kind: "duration", section: "Lifecycle", serf: "reconnectTimeoutMs" },
    ),
    tombstoneTimeout: opt(
      Type.Number({
        default: 24 * HOUR,
        exclusiveMinimum: 0,
        description: "Left members are forgotten after this",
      }),
      { kind: "duration", section: "Lifecycle", serf: "tombstoneTimeoutMs" },
    ),
    logLevel: opt(LogLevelSchema, {
      kind: "enum",
      section: "Logging",
      flag: "log-level",
      placeholder: "level",
      enumAliases: { err: "error", warning: "warn" },
    }),
    logFormat: opt(
      Type.Union([Type.Literal("json"), Type.Literal("pretty")], {
        default: "json",
        description: "json (one object per line) or pretty",
      }),
      { kind: "enum", section: "Logging", flag: "log-format", placeholder: "format" },
    ),
    dataDir: Type.Optional(
      opt(
        Type.String({
          minLength: 1,
          description: "Directory for the snapshot, keyring and registrations; none keeps state in memory",
        }),
        { kind: "string", section: "Persistence", flag: "data-dir", placeholder: "path" },
      ),
    ),
    services: opt(
      Type.Array(Type.Unknown(), {
        default: [],
        description: "Service definitions (config files only; validated by the catalog)",
      }),
      { kind: "passthrough", section: "Persistence", noEnv: true },
    ),
  },
  { additionalProperties: false },
);

/** Every option, as the schema types it (durations in milliseconds). */
export type AgentOptions = Static<typeof AgentOptionsSchema>;

/** Name of one option. */
export type OptionName = keyof AgentOptions;

/** The property schemas, by option name. */
export const OPTION_SCHEMAS = AgentOptionsSchema.properties;

/** Every option name, in schema (help) order. */
export const OPTION_NAMES = Object.keys(OPTION_SCHEMAS) as OptionName[];

/** Log levels the agent accepts. */
export type LogLevel = Static<typeof LogLevelSchema>;

/** The metadata of option `name`. */
export function optionMeta(name: OptionName): OptionMeta {
  return OPTION_SCHEMAS[name][OPTION_META];
}

/** `nodeName` → `node_name`. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** The environment variable of option `name`, or undefined for file-only options. */
export function envName(name: OptionName): string | undefined {
  const meta = optionMeta(name);
  if (meta.noEnv) return undefined;
  return meta.env ?? `SHOAL_${snakeCase(name).toUpperCase()}`;
}
