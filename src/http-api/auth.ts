/**
 * ACL tokens for the HTTP API: one management token (`--acl-token`, `SHOAL_ACL_TOKEN`, the
 * config file's `aclToken`). Shoal has no token store or policies, so the rules are:
 *
 * - every write (any method but GET/HEAD/OPTIONS) needs the token;
 * - a few reads that leak secrets need it too: the gossip keyring list (its keys decrypt the
 *   cluster's traffic) and the log stream (Consul guards both with operator/agent ACLs);
 * - with `--acl-default-deny`, every request needs it, except the two status reads Consul
 *   leaves open ("ACL required: none"), so that health checks and readiness probes work
 *   without holding the management token.
 *
 * The token is taken, as Consul takes it, from `X-Consul-Token`, `Authorization: Bearer`, or
 * the deprecated `?token=` parameter. A refusal is a 403 with a plain-text reason.
 *
 * Which rule applies is decided on the route fastify matched (its registered template,
 * `request.routeOptions.url`), never on the request's URL text: the router percent-decodes the
 * path before matching, so `/v1/operator/%6Beyring` reaches the keyring handler while its raw
 * text matches no pattern written for `/v1/operator/keyring`. Any difference between how a
 * check and the router read a URL is a bypass; asking the router what it chose leaves none.
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

/**
 * Route templates (as registered with fastify) of reads that need the token even without
 * default-deny; see the module comment. Sub-routes of these need it too.
 */
export const SENSITIVE_READ_ROUTES: readonly string[] = ["/v1/operator/keyring", "/v1/agent/monitor"];

/**
 * Route templates of reads open even under default-deny: Consul requires no ACL for them, and
 * orchestrators probe them (deploy/, the image's HEALTHCHECK). They reveal nothing secret.
 */
export const OPEN_READ_ROUTES: readonly string[] = ["/v1/status/leader", "/v1/status/peers"];

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

/**
 * Whether a request needs the management token.
 *
 * @param method The request method.
 * @param route The template of the route fastify matched (`request.routeOptions.url`, e.g.
 *   `/v1/agent/service/:id`), or undefined when no route matched. Never the raw request URL:
 *   see the module comment.
 * @param defaultDeny Whether reads need the token too (`--acl-default-deny`).
 */
export function needsToken(method: string, route: string | undefined, defaultDeny: boolean): boolean {
  if (!READ_METHODS.has(method)) return true;
  // Without a matched route there is no template to judge by; refusing is the safe answer
  // (the API's own server answers unmatched paths from its not-found handler, outside this hook).
  if (route === undefined) return true;
  if (OPEN_READ_ROUTES.some((p) => route.endsWith(p))) return false;
  if (defaultDeny) return true;
  // Suffix rather than equality, so the rule holds wherever the API is mounted (a prefix only
  // ever makes more routes match, never fewer). The template is the code's text, not the client's.
  return SENSITIVE_READ_ROUTES.some((p) => route.endsWith(p) || route.includes(`${p}/`));
}

/** The authorize hook for {@link AclOptions}; throws {@link AgentApiError} 403 to refuse. */
export function aclAuthorize(options: AclOptions): AuthorizeHook {
  if (options.token === "") throw new Error("aclAuthorize needs a non-empty token");
  const expected = digest(options.token);
  return (request) => {
    if (!needsToken(request.method, request.routeOptions.url, options.defaultDeny)) return;
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
