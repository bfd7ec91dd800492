/**
 * JSON config files. Keys may be camelCase (`nodeName`), its snake_case form (`node_name`) or
 * Serf's own name (`encrypt_key`, `start_join`), so an existing Serf config mostly loads as is.
 * Unknown keys are an error naming the key and the file, as in Serf (`ErrorUnused`); Serf keys
 * Shoal does not implement get a message saying so instead of a bare "unknown". Service
 * definitions come as `services: [...]` or, as in Consul, one `service: {...}`; both may appear.
 */
import { dirname } from "node:path";
import type { ConfigProblem } from "../../errors.js";
import { coerceOption, show } from "./coerce.js";
import { setOption, type LayerResult, type OptionValues } from "./layer.js";
import { OPTION_NAMES, optionMeta, snakeCase, type OptionName } from "./schema.js";

/** Config-file key → option: camelCase names, their snake_case forms and Serf's aliases. */
export const FILE_KEY_TO_OPTION: ReadonlyMap<string, OptionName> = new Map(
  OPTION_NAMES.flatMap((name) =>
    [name, snakeCase(name), ...(optionMeta(name).fileAliases ?? [])].map((key) => [key, name] as const),
  ),
);

/** Serf agent keys Shoal does not implement, with what to do instead. */
export const UNSUPPORTED_SERF_KEYS: ReadonlyMap<string, string> = new Map([
  ["rpc_addr", "Shoal serves an HTTP API instead of Serf's RPC: use httpAddr"],
  ["rpc_auth", "Shoal's HTTP API uses ACL tokens: use aclToken"],
  ["interface", "bind to an address instead"],
  ["discover", "mDNS discovery is not implemented: use join or retryJoin"],
  ["mdns", "mDNS discovery is not implemented: use join or retryJoin"],
  ["protocol", "Shoal always speaks Serf protocol 5 (understands 2..5)"],
  ["rejoin_after_leave", "not implemented"],
  ["replay_on_join", "not implemented"],
  ["enable_syslog", "Shoal logs JSON lines to stdout"],
  ["syslog_facility", "Shoal logs JSON lines to stdout"],
  ["enable_compression", "compression is always on"],
  ["disable_compression", "compression is always on"],
  ["broadcast_timeout", "not configurable"],
  ["disable_name_resolution", "not configurable"],
  ["query_size_limit", "not configurable (Serf's 1024 bytes)"],
  ["query_response_size_limit", "not configurable (Serf's 1024 bytes)"],
  ["user_event_size_limit", "not configurable (Serf's 512 bytes)"],
  ["disable_coordinates", "network coordinates are not implemented"],
  ["statsite_addr", "Shoal exposes Prometheus metrics over HTTP"],
  ["statsd_addr", "Shoal exposes Prometheus metrics over HTTP"],
  ["validate_node_names", "node names are always validated"],
]);

/** A config file's options, problems, and notes worth logging (e.g. a mapped Serf key). */
export interface FileLayerResult extends LayerResult {
  readonly warnings: readonly string[];
}

/** Parses one config file's text; `path` is only used in messages. Never throws. */
export function parseConfigFile(path: string, text: string): FileLayerResult {
  const source = `file ${path}`;
  const values: OptionValues = {};
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const done = (): FileLayerResult => ({ layer: { source, values }, problems, warnings });
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    problems.push({ field: path, message: `not valid JSON: ${(error as Error).message}` });
    return done();
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    problems.push({ field: path, message: `a config file must hold a JSON object, got ${show(doc)}` });
    return done();
  }
  const seen = new Map<OptionName, string>();
  let role: string | undefined;
  let snapshotPath: string | undefined;
  let single: { readonly raw: unknown } | undefined;
  for (const [key, raw] of Object.entries(doc as Record<string, unknown>)) {
    if (key === "role" || key === "snapshot_path") {
      if (typeof raw !== "string") {
        problems.push({ field: key, message: `expected a string, got ${show(raw)} (${source})` });
      } else if (key === "role") role = raw;
      else snapshotPath = raw;
      continue;
    }
    if (key === "service") {
      // Consul's single-service form; validated with the others by the catalog at start.
      if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
        problems.push({
          field: key,
          message: `expected a service definition object, got ${show(raw)} (${source})`,
        });
      } else single = { raw };
      continue;
    }
    const name = FILE_KEY_TO_OPTION.get(key);
    if (name === undefined) {
      const hint = UNSUPPORTED_SERF_KEYS.get(key);
      problems.push({
        field: key,
        message:
          hint === undefined
            ? `unknown key in config file ${path}`
            : `Serf option not supported by Shoal (${hint}); in config file ${path}`,
      });
      continue;
    }
    const previous = seen.get(name);
    if (previous !== undefined) {
      problems.push({
        field: name,
        message: `set twice in config file ${path}, as "${previous}" and "${key}"`,
      });
      continue;
    }
    seen.set(name, key);
    const result = coerceOption(name, { json: raw });
    if (result.ok) setOption(values, name, result.value);
    else problems.push({ field: name, message: `${result.message} (${source}, key "${key}")` });
  }
  if (single !== undefined) values.services = [...(values.services ?? []), single.raw];
  // Serf's deprecated `role` becomes the tag `role`, overriding a `role` in `tags` as Serf does.
  if (role !== undefined) values.tags = { ...values.tags, role };
  // Serf names a snapshot file; Shoal keeps its snapshot in the data dir, so use its directory.
  if (snapshotPath !== undefined && values.dataDir === undefined) {
    values.dataDir = dirname(snapshotPath);
    warnings.push(
      `${path}: snapshot_path is a Serf option; using its directory ${values.dataDir} as dataDir`,
    );
  } else if (snapshotPath !== undefined) {
    warnings.push(`${path}: snapshot_path is ignored because dataDir is set`);
  }
  return done();
}
