/**
 * Consul service registrations (the body of `PUT /v1/agent/service/register`, and service
 * definition files) parsed into a validated {@link ServiceDefinition}.
 *
 * Consul accepts CamelCase and snake_case keys; {@link normalizeKeys} maps both to
 * CamelCase for the known fields while leaving user-chosen keys (Meta, Header,
 * TaggedAddresses names) alone. Error messages follow Consul's where Consul has one.
 *
 * Pure: no Node APIs.
 */
import { InvalidInputError } from "../../errors.js";
import {
  type CheckDefinition,
  type CheckThresholds,
  DEFAULT_CHECK_TIMEOUT_MS,
  MAX_OUTPUT_BYTES,
} from "../checks/check-definition.js";
import { durationFromJson } from "./go-duration.js";
import {
  type AgentService,
  type CheckStatus,
  type TaggedAddress,
  DEFAULT_WEIGHTS,
  isCheckStatus,
} from "./record.js";

/** A validated registration: the service and the checks the agent runs for it. */
export interface ServiceDefinition {
  readonly service: AgentService;
  readonly checks: readonly CheckDefinition[];
}

const SERVICE_FIELDS = [
  "ID",
  "Name",
  "Tags",
  "Address",
  "Port",
  "Meta",
  "TaggedAddresses",
  "EnableTagOverride",
  "Weights",
  "Check",
  "Checks",
  "Kind",
  "Proxy",
  "Connect",
  "Namespace",
  "Partition",
  "SocketPath",
] as const;

const CHECK_FIELDS = [
  "ID",
  "CheckID",
  "Name",
  "Notes",
  "ServiceID",
  "Status",
  "Interval",
  "Timeout",
  "HTTP",
  "Method",
  "Header",
  "Body",
  "TLSSkipVerify",
  "TLSServerName",
  "DisableRedirects",
  "TCP",
  "TTL",
  "DeregisterCriticalServiceAfter",
  "SuccessBeforePassing",
  "FailuresBeforeWarning",
  "FailuresBeforeCritical",
  "OutputMaxSize",
  "Args",
  "ScriptArgs",
  "Script",
  "GRPC",
  "GRPCUseTLS",
  "H2PING",
  "H2PingUseTLS",
  "DockerContainerID",
  "Shell",
  "AliasNode",
  "AliasService",
  "UDP",
  "OSService",
  "TCPUseTLS",
] as const;

/** Check kinds Consul has and Shoal does not run; a registration using one is refused. */
const UNSUPPORTED_CHECK_FIELDS = [
  "Args",
  "ScriptArgs",
  "Script",
  "GRPC",
  "H2PING",
  "DockerContainerID",
  "AliasNode",
  "AliasService",
  "UDP",
  "OSService",
] as const;

type Fields = Readonly<Record<string, unknown>>;

function squash(key: string): string {
  return key.replace(/_/g, "").toLowerCase();
}

/**
 * Maps snake_case and any-case spellings of `known` field names to their CamelCase form;
 * unknown keys are kept as they are. Throws if the value is not an object.
 */
export function normalizeKeys(value: unknown, known: readonly string[], what: string): Fields {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new InvalidInputError(`Request decode failed: ${what} must be an object`);
  }
  const byLower = new Map(known.map((k) => [squash(k), k]));
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
    const canonical = byLower.get(squash(key)) ?? key;
    // Object.defineProperty rather than assignment: a "__proto__" key must stay a plain field.
    Object.defineProperty(out, canonical, {
      value: member,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function str(fields: Fields, key: string, what: string, fallback = ""): string {
  const value = fields[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "string")
    throw new InvalidInputError(`Request decode failed: ${what}.${key} must be a string`);
  return value;
}

function bool(fields: Fields, key: string, what: string): boolean {
  const value = fields[key];
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean")
    throw new InvalidInputError(`Request decode failed: ${what}.${key} must be a boolean`);
  return value;
}

function int(fields: Fields, key: string, what: string, min: number, max: number, fallback: number): number {
  const value = fields[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new InvalidInputError(`Request decode failed: ${what}.${key} must be an integer`);
  }
  if (value < min || value > max)
    throw new InvalidInputError(`Invalid ${what}.${key}: ${value} is not in ${min}..${max}`);
  return value;
}

function stringList(fields: Fields, key: string, what: string): string[] {
  const value = fields[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new InvalidInputError(`Request decode failed: ${what}.${key} must be a list of strings`);
  }
  return value;
}

function stringMap(value: unknown, what: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new InvalidInputError(`Request decode failed: ${what} must be an object of strings`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== "string")
      throw new InvalidInputError(`Request decode failed: ${what}["${k}"] must be a string`);
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const META_KEY = /^[A-Za-z0-9_-]+$/;

/** Consul's metadata rules (`structs.ValidateServiceMetadata`). */
function validateMeta(meta: Record<string, string>): void {
  const keys = Object.keys(meta);
  if (keys.length > 64)
    throw new InvalidInputError(
      "Invalid Service Meta: Node metadata cannot contain more than 64 key/value pairs",
    );
  for (const key of keys) {
    if (key === "") throw new InvalidInputError("Invalid Service Meta: Key cannot be blank");
    if (!META_KEY.test(key)) {
      throw new InvalidInputError(`Invalid Service Meta: Key contains invalid characters: "${key}"`);
    }
    if (key.length > 128)
      throw new InvalidInputError(`Invalid Service Meta: Key is too long (limit: 128 characters): "${key}"`);
    if (key.startsWith("consul-")) {
      throw new InvalidInputError(
        `Invalid Service Meta: Key prefix 'consul-' is reserved for internal use: "${key}"`,
      );
    }
    if ((meta[key] ?? "").length > 512) {
      throw new InvalidInputError(
        `Invalid Service Meta: Value is too long (limit: 512 characters): "${key}"`,
      );
    }
  }
}

function taggedAddresses(value: unknown): Record<string, TaggedAddress> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new InvalidInputError("Request decode failed: TaggedAddresses must be an object");
  }
  const out: Record<string, TaggedAddress> = {};
  for (const [name, raw] of Object.entries(value as Record<string, unknown>)) {
    const fields = normalizeKeys(raw, ["Address", "Port"], `TaggedAddresses.${name}`);
    const address: TaggedAddress = {
      Address: str(fields, "Address", `TaggedAddresses.${name}`),
      Port: int(fields, "Port", `TaggedAddresses.${name}`, 0, 65_535, 0),
    };
    Object.defineProperty(out, name, {
      value: address,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/** Parses and validates a Consul service registration body. */
export function parseServiceDefinition(body: unknown): ServiceDefinition {
  const fields = normalizeKeys(body, SERVICE_FIELDS, "the service definition");
  const name = str(fields, "Name", "Service");
  if (name === "") throw new InvalidInputError("Missing service name");
  const id = str(fields, "ID", "Service", name) || name;
  const meta = stringMap(fields["Meta"], "Meta");
  validateMeta(meta);
  const weightFields =
    fields["Weights"] == null ? {} : normalizeKeys(fields["Weights"], ["Passing", "Warning"], "Weights");
  const weights = {
    Passing: int(weightFields, "Passing", "Weights", 1, 65_535, DEFAULT_WEIGHTS.Passing),
    Warning: int(weightFields, "Warning", "Weights", 0, 65_535, DEFAULT_WEIGHTS.Warning),
  };
  const tagged = taggedAddresses(fields["TaggedAddresses"]);
  const service: AgentService = {
    ID: id,
    Service: name,
    Tags: stringList(fields, "Tags", "Service"),
    Meta: meta,
    Port: int(fields, "Port", "Service", 0, 65_535, 0),
    Address: str(fields, "Address", "Service"),
    ...(tagged === undefined ? {} : { TaggedAddresses: tagged }),
    Weights: weights,
    EnableTagOverride: bool(fields, "EnableTagOverride", "Service"),
  };
  const rawChecks: unknown[] = [];
  if (fields["Check"] != null) rawChecks.push(fields["Check"]);
  if (fields["Checks"] != null) {
    if (!Array.isArray(fields["Checks"]))
      throw new InvalidInputError("Request decode failed: Checks must be a list");
    rawChecks.push(...(fields["Checks"] as unknown[]));
  }
  const checks = rawChecks.map((raw, i) =>
    parseCheck(raw, service, rawChecks.length === 1 ? undefined : i + 1),
  );
  const ids = new Set<string>();
  for (const check of checks) {
    if (ids.has(check.CheckID)) throw new InvalidInputError(`Duplicate check ID "${check.CheckID}"`);
    ids.add(check.CheckID);
  }
  return { service, checks };
}

function thresholds(fields: Fields): CheckThresholds {
  const failuresBeforeCritical = int(fields, "FailuresBeforeCritical", "Check", 0, 1_000_000, 0);
  return {
    successBeforePassing: int(fields, "SuccessBeforePassing", "Check", 0, 1_000_000, 0),
    failuresBeforeCritical,
    // Consul: when unset, warning comes together with critical.
    failuresBeforeWarning: int(
      fields,
      "FailuresBeforeWarning",
      "Check",
      0,
      1_000_000,
      failuresBeforeCritical,
    ),
  };
}

function positiveDuration(fields: Fields, key: string, message: string): number {
  const value = fields[key];
  const ms = value == null ? 0 : durationFromJson(value, `Check.${key}`);
  if (!(ms > 0)) throw new InvalidInputError(message);
  return ms;
}

/**
 * Parses one check of a service. `position` (1-based) names checks without an ID when the
 * service has several, as Consul does (`service:<id>:<n>`).
 */
export function parseCheck(
  raw: unknown,
  service: AgentService,
  position: number | undefined,
): CheckDefinition {
  return parseCheckFor(raw, {
    serviceId: service.ID,
    defaultId: position === undefined ? `service:${service.ID}` : `service:${service.ID}:${position}`,
    defaultName: `Service '${service.Service}' check`,
  });
}

/** Who a check belongs to, and what it is called when the body does not say. */
export interface CheckOwner {
  /** The owning service's ID; "" for a node-level check. */
  readonly serviceId: string;
  readonly defaultId: string;
  readonly defaultName: string;
}

/** The service fields' CamelCase names, for {@link normalizeKeys}. */
export const SERVICE_KEYS: readonly string[] = SERVICE_FIELDS;

/** The check fields' CamelCase names, for {@link normalizeKeys}. */
export const CHECK_KEYS: readonly string[] = CHECK_FIELDS;

/** Parses one check body (Consul's CheckDefinition) for `owner`. */
export function parseCheckFor(raw: unknown, owner: CheckOwner): CheckDefinition {
  const fields = normalizeKeys(raw, CHECK_FIELDS, "Check");
  for (const field of UNSUPPORTED_CHECK_FIELDS) {
    if (fields[field] != null && fields[field] !== "") {
      throw new InvalidInputError(
        `Invalid check: ${field} checks are not supported by Shoal (use HTTP, TCP or TTL)`,
      );
    }
  }
  const checkId = str(fields, "CheckID", "Check") || str(fields, "ID", "Check") || owner.defaultId;
  const statusText = str(fields, "Status", "Check", "critical");
  if (!isCheckStatus(statusText)) throw new InvalidInputError(`Invalid check status: "${statusText}"`);
  const status: CheckStatus = statusText;
  const outputMaxSize = int(fields, "OutputMaxSize", "Check", 0, Number.MAX_SAFE_INTEGER, MAX_OUTPUT_BYTES);
  const deregister =
    fields["DeregisterCriticalServiceAfter"] == null
      ? undefined
      : durationFromJson(fields["DeregisterCriticalServiceAfter"], "Check.DeregisterCriticalServiceAfter");
  const common = {
    CheckID: checkId,
    Name: str(fields, "Name", "Check") || owner.defaultName,
    Notes: str(fields, "Notes", "Check"),
    ServiceID: owner.serviceId,
    initialStatus: status,
    ...(deregister !== undefined && deregister > 0 ? { deregisterCriticalServiceAfterMs: deregister } : {}),
    outputMaxSize: outputMaxSize === 0 ? MAX_OUTPUT_BYTES : Math.min(outputMaxSize, MAX_OUTPUT_BYTES),
  };
  const http = str(fields, "HTTP", "Check");
  const tcp = str(fields, "TCP", "Check");
  const ttl = fields["TTL"];
  const kinds = [http !== "", tcp !== "", ttl != null && ttl !== ""].filter(Boolean).length;
  if (kinds === 0) throw new InvalidInputError("Invalid check: one of HTTP, TCP or TTL must be given");
  if (kinds > 1) throw new InvalidInputError("Invalid check: give only one of HTTP, TCP or TTL");
  if (ttl != null && ttl !== "") {
    return {
      ...common,
      type: "ttl",
      ttlMs: positiveDuration(fields, "TTL", "Invalid check: TTL must be > 0 for TTL checks"),
    };
  }
  const intervalMs = positiveDuration(
    fields,
    "Interval",
    "Invalid check: Interval must be > 0 for HTTP or TCP checks",
  );
  const timeoutRaw = fields["Timeout"];
  const timeoutMs =
    timeoutRaw == null ? DEFAULT_CHECK_TIMEOUT_MS : durationFromJson(timeoutRaw, "Check.Timeout");
  if (timeoutMs < 0) throw new InvalidInputError("Invalid check: Timeout must be >= 0");
  const timing = { intervalMs, timeoutMs: timeoutMs === 0 ? DEFAULT_CHECK_TIMEOUT_MS : timeoutMs };
  if (http !== "") {
    let url: URL;
    try {
      url = new URL(http);
    } catch {
      throw new InvalidInputError(`Invalid check: HTTP must be a URL, got "${http}"`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new InvalidInputError(`Invalid check: HTTP must be an http or https URL, got "${http}"`);
    }
    const method = str(fields, "Method", "Check", "GET") || "GET";
    if (!/^[A-Za-z]+$/.test(method))
      throw new InvalidInputError(`Invalid check: bad HTTP method "${method}"`);
    return {
      ...common,
      ...thresholds(fields),
      ...timing,
      type: "http",
      url: http,
      method: method.toUpperCase(),
      header: headerMap(fields["Header"]),
      body: str(fields, "Body", "Check"),
      tlsSkipVerify: bool(fields, "TLSSkipVerify", "Check"),
      tlsServerName: str(fields, "TLSServerName", "Check"),
      disableRedirects: bool(fields, "DisableRedirects", "Check"),
    };
  }
  if (!/^(\[[^\]]+\]|[^:\s]+):\d{1,5}$/.test(tcp) || Number(tcp.slice(tcp.lastIndexOf(":") + 1)) > 65_535) {
    throw new InvalidInputError(`Invalid check: TCP must be host:port, got "${tcp}"`);
  }
  return { ...common, ...thresholds(fields), ...timing, type: "tcp", tcp };
}

function headerMap(value: unknown): Record<string, string[]> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new InvalidInputError("Request decode failed: Check.Header must be an object of string lists");
  }
  const out: Record<string, string[]> = {};
  for (const [name, list] of Object.entries(value as Record<string, unknown>)) {
    if (!Array.isArray(list) || !list.every((v) => typeof v === "string")) {
      throw new InvalidInputError(`Request decode failed: Check.Header["${name}"] must be a list of strings`);
    }
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
      throw new InvalidInputError(`Invalid check: bad header name "${name}"`);
    if (list.some((v) => /[\r\n\0]/.test(v))) {
      throw new InvalidInputError(`Invalid check: header "${name}" has a control character`);
    }
    Object.defineProperty(out, name, { value: list, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
