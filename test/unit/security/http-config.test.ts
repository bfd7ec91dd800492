/**
 * Security options of `shoal agent` (src/agent/config): ACL token and default-deny, TLS files,
 * the rate limit, gossip verify flags for migrating to encryption, and the loopback default of
 * the HTTP API. Every problem names its field.
 */
import { describe, expect, it } from "vitest";
import { loadAgentConfig } from "../../../src/agent/config/load.js";
import { httpScheme, httpSecurityOptions } from "../../../src/agent/daemon/http-security.js";
import { fakeIo, problemsOf } from "../agent/config/fake-io.js";

const load = (argv: string[], env: Record<string, string> = {}, files: Record<string, string> = {}) =>
  loadAgentConfig(["--node", "n1", ...argv], env, fakeIo(files));

describe("security configuration", () => {
  it("serves the HTTP API on loopback by default, without a rate limit or ACL", async () => {
    const config = load([]);
    expect(config.httpAddr).toEqual({ host: "127.0.0.1", port: 8500 });
    expect(httpScheme(config)).toBe("http");
    const options = await httpSecurityOptions(config);
    expect(options).toEqual({});
    expect(await httpSecurityOptions(load(["--http-rate-limit", "500"]))).toEqual({
      rateLimit: { max: 500, windowMs: 1_000 },
    });
    expect(config.gossipVerifyIncoming).toBe(true);
    expect(config.gossipVerifyOutgoing).toBe(true);
  });

  it("takes the ACL token from the flag, SHOAL_ACL_TOKEN or the config file", async () => {
    expect(load(["--acl-token", "t1"]).aclToken).toBe("t1");
    expect(load([], { SHOAL_ACL_TOKEN: "t2" }).aclToken).toBe("t2");
    expect(load(["--config-file", "/c.json"], {}, { "/c.json": '{"acl_token":"t3"}' }).aclToken).toBe("t3");
    const config = load(["--acl-token", "t1", "--acl-default-deny", "--http-rate-limit", "0"]);
    expect(await httpSecurityOptions(config)).toEqual({ acl: { token: "t1", defaultDeny: true } });
  });

  it("refuses default-deny without a token, naming the field", () => {
    const problems = problemsOf(() => load(["--acl-default-deny"]));
    expect(problems).toEqual([{ field: "aclDefaultDeny", message: expect.stringMatching(/needs aclToken/) }]);
  });

  it("needs both TLS files, and reports an unreadable one by field", async () => {
    expect(problemsOf(() => load(["--http-tls-cert", "/c.pem"]))).toEqual([
      { field: "httpTlsKey", message: expect.stringMatching(/needs both/) },
    ]);
    const config = load(["--http-tls-cert", "/nonexistent/c.pem", "--http-tls-key", "/nonexistent/k.pem"]);
    expect(httpScheme(config)).toBe("https");
    await expect(httpSecurityOptions(config)).rejects.toMatchObject({
      code: "SHOAL_ERR_CONFIG",
      message: expect.stringMatching(/httpTls(Cert|Key).*cannot read \/nonexistent/),
    });
  });

  it("takes the gossip verify flags for a migration to encryption", () => {
    const config = load(["--gossip-verify-incoming=false", "--gossip-verify-outgoing=false"]);
    expect(config.gossipVerifyIncoming).toBe(false);
    expect(config.gossipVerifyOutgoing).toBe(false);
    const env = load([], { SHOAL_GOSSIP_VERIFY_INCOMING: "false" });
    expect(env.gossipVerifyIncoming).toBe(false);
    expect(problemsOf(() => load(["--gossip-verify-outgoing=false"]))).toEqual([
      { field: "gossipVerifyOutgoing", message: expect.stringMatching(/needs gossipVerifyIncoming false/) },
    ]);
  });

  it("names the field of a bad rate limit and bad node names", () => {
    expect(problemsOf(() => load(["--http-rate-limit", "-1"]))[0]?.field).toBe("httpRateLimit");
    expect(problemsOf(() => loadAgentConfig(["--node", "a b"], {}, fakeIo()))[0]?.field).toBe("nodeName");
  });
});
