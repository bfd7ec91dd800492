/**
 * ACL tokens for the HTTP API: one management token (`--acl-token`, `SHOAL_ACL_TOKEN`, the
 * config file's `aclToken`). Shoal has no token store or policies, so the rules are:
 *
 * - every write (any method but GET/HEAD/OPTIONS) needs the token;
 * - a few reads that leak secrets need it too: the gossip keyring list (its keys decrypt the
 *   cluster's traffic) and the log stream (Consul guards both with operator/agent ACLs);
 * - with `--acl-default-deny`, every request needs it.
 *
 * The token is taken, as Consul takes it, from `X-Consul-Token`, `Authorization: Bearer`, or
 * the deprecated `?token=` parameter. A refusal is a 403 with a plain-text reason.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { AgentApiError } from "./api-error.js";
import type { AuthorizeHook } from "./plugin.js";

/** Options of {@link aclAuthorize}. */
export interface AclOptions {
  /** The management token; requests presenting it may do anything. */
  readonly token: string;
  /** Also refuse reads that carry no valid token. */
  readonly defaultDeny: boolean;
}

const READ_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);

/** Read paths that need the token even without default-deny (see the module comment). */
const SENSITIVE_READS: readonly string[] = ["/v1/operator/keyring", "/v1/agent/monitor"];

/** The token a request presents, or undefined. Header wins over the query parameter. */
export function requestToken(request: FastifyRequest): string | undefined {
  const header = request.headers["x-consul-token"];
  const consul = Array.isArray(header) ? header[0] : header;
  if (consul !== undefined && consul !== "") return consul;
  const auth = request.headers.authorization;
  if (auth !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (match?.[1] !== undefined) return match[1];
  }
  const query = request.query as Readonly<Record<string, unknown>> | undefined;
  const fromQuery = query?.["token"];
  return typeof fromQuery === "string" && fromQuery !== "" ? fromQuery : undefined;
}

// Comparing digests keeps the comparison constant-time whatever the presented length.
function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

function pathOf(url: string): string {
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
}

/** Whether a request needs the management token under `defaultDeny`. */
export function needsToken(method: string, url: string, defaultDeny: boolean): boolean {
  if (defaultDeny || !READ_METHODS.has(method)) return true;
  const path = pathOf(url);
  return SENSITIVE_READS.some((p) => path === p || path.startsWith(`${p}/`));
}

/** The authorize hook for {@link AclOptions}; throws {@link AgentApiError} 403 to refuse. */
export function aclAuthorize(options: AclOptions): AuthorizeHook {
  if (options.token === "") throw new Error("aclAuthorize needs a non-empty token");
  const expected = digest(options.token);
  return (request) => {
    if (!needsToken(request.method, request.url, options.defaultDeny)) return;
    const presented = requestToken(request);
    if (presented === undefined) {
      throw new AgentApiError(
        403,
        "Permission denied: this request needs the ACL token (header X-Consul-Token or Authorization: Bearer)",
      );
    }
    if (!timingSafeEqual(digest(presented), expected)) {
      throw new AgentApiError(403, "Permission denied: ACL token not found");
    }
  };
}
