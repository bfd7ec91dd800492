/**
 * The HTTP API's security settings from the agent's configuration: the ACL token rules, the
 * per-client rate limit and, when configured, the TLS certificate and key (read and checked
 * here, so a bad file stops the agent with a config error naming `httpTlsCert`/`httpTlsKey`).
 */
import type { HttpApiServerOptions } from "../../http-api/server.js";
import { loadTlsFiles } from "../../http-api/tls.js";
import type { AgentConfig } from "../config/agent-config.js";

/** The part of the server options that security settings decide. */
export type HttpSecurityOptions = Pick<HttpApiServerOptions, "acl" | "tls" | "rateLimit">;

/** Builds {@link HttpSecurityOptions}; rejects with a ConfigError for unreadable or bad TLS files. */
export async function httpSecurityOptions(config: AgentConfig): Promise<HttpSecurityOptions> {
  const tls =
    config.httpTlsCert !== undefined && config.httpTlsKey !== undefined
      ? await loadTlsFiles(config.httpTlsCert, config.httpTlsKey)
      : undefined;
  return {
    ...(config.aclToken === undefined
      ? {}
      : { acl: { token: config.aclToken, defaultDeny: config.aclDefaultDeny } }),
    ...(config.httpRateLimit === 0 ? {} : { rateLimit: { max: config.httpRateLimit, windowMs: 1_000 } }),
    ...(tls === undefined ? {} : { tls }),
  };
}

/** `http` or `https`, as the API is served. */
export function httpScheme(config: AgentConfig): "http" | "https" {
  return config.httpTlsCert === undefined ? "http" : "https";
}
