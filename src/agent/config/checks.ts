/**
 * Checks JSON Schema cannot express: address syntax, key material, encoded tag size, and
 * options that only make sense together. Runs on the merged options so a value overridden by
 * a higher-precedence source is not reported.
 */
import type { ConfigProblem } from "../../errors.js";
import { encodeTags, META_MAX_BYTES } from "../../swim/codec/tags.js";
import { LABEL_MAX_BYTES } from "../../swim/codec/label.js";
import { VALID_KEY_LENGTHS, decodeBase64 } from "../../swim/codec/keyring.js";
import { isUnspecifiedHost, parseAddress, parseHostPort } from "../../swim/runtime/address.js";
import { parseEventHandlerSpec } from "./event-handler-spec.js";
import type { AgentOptions, OptionName } from "./schema.js";

/** memberlist's port, the default for bind, advertise and join addresses. */
export const GOSSIP_PORT = 7946;
/** Consul's HTTP port, the default when `httpAddr` has none. */
export const HTTP_PORT = 8500;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs `parse`, turning a throw into a problem on `field`. */
function attempt<T>(problems: ConfigProblem[], field: OptionName, parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    problems.push({ field, message: messageOf(error) });
    return undefined;
  }
}

function checkAddresses(o: AgentOptions, problems: ConfigProblem[]): void {
  const bind = attempt(problems, "bind", () => parseAddress(o.bind, GOSSIP_PORT));
  if (o.advertise !== undefined) {
    const advertise = attempt(problems, "advertise", () =>
      parseAddress(o.advertise ?? "", bind?.port ?? GOSSIP_PORT),
    );
    if (advertise !== undefined && isUnspecifiedHost(advertise.host)) {
      problems.push({
        field: "advertise",
        message: `${JSON.stringify(o.advertise)} cannot be advertised to peers`,
      });
    }
  }
  attempt(problems, "httpAddr", () => parseHostPort(o.httpAddr, HTTP_PORT));
  for (const field of ["join", "retryJoin"] as const) {
    for (const seed of o[field]) {
      // Serf accepts `nodename/address` to pin the expected name of the seed.
      attempt(problems, field, () => parseHostPort(seed.slice(seed.indexOf("/") + 1), GOSSIP_PORT));
    }
  }
}

function checkSecurity(o: AgentOptions, problems: ConfigProblem[]): void {
  if (o.encrypt !== undefined) {
    let key: Uint8Array | undefined;
    try {
      key = decodeBase64(o.encrypt.trim());
    } catch {
      problems.push({ field: "encrypt", message: "key is not valid base64" });
    }
    if (key !== undefined && !VALID_KEY_LENGTHS.includes(key.length)) {
      problems.push({
        field: "encrypt",
        message: `key must be 16, 24 or 32 bytes after base64 decoding, got ${key.length}`,
      });
    }
    if (o.keyringFile !== undefined) {
      problems.push({
        field: "encrypt",
        message: "not allowed together with keyringFile (as in Serf): put the key in the keyring file",
      });
    }
  }
  if (o.label !== undefined) {
    const bytes = new TextEncoder().encode(o.label).length;
    if (bytes > LABEL_MAX_BYTES) {
      problems.push({ field: "label", message: `is ${bytes} bytes; the limit is ${LABEL_MAX_BYTES}` });
    }
  }
  if (o.aclDefaultDeny && o.aclToken === undefined) {
    problems.push({
      field: "aclDefaultDeny",
      message:
        "needs aclToken (--acl-token, SHOAL_ACL_TOKEN): without a token every request would be refused",
    });
  }
  if (!o.gossipVerifyOutgoing && o.gossipVerifyIncoming) {
    // memberlist allows it, but it cannot be a migration step: peers that verify would refuse us.
    problems.push({
      field: "gossipVerifyOutgoing",
      message:
        "false needs gossipVerifyIncoming false too (migration order: both off, outgoing on, incoming on)",
    });
  }
  if ((o.httpTlsCert === undefined) !== (o.httpTlsKey === undefined)) {
    const missing = o.httpTlsCert === undefined ? "httpTlsCert" : "httpTlsKey";
    problems.push({ field: missing, message: "HTTPS needs both httpTlsCert and httpTlsKey" });
  }
}

/**
 * Semantic problems of complete options (defaults applied, tags file merged). Tags are
 * checked here because memberlist panics on oversized meta (metrictank#1422); refusing to
 * start with a clear message is kinder.
 */
export function checkOptions(o: AgentOptions): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  checkAddresses(o, problems);
  checkSecurity(o, problems);
  try {
    encodeTags(o.tags);
  } catch {
    problems.push({
      field: "tags",
      message: `encoded tags exceed memberlist's ${META_MAX_BYTES}-byte limit`,
    });
  }
  for (const spec of o.eventHandlers) {
    const parsed = parseEventHandlerSpec(spec);
    if (typeof parsed === "string") problems.push({ field: "eventHandlers", message: parsed });
  }
  return problems;
}
