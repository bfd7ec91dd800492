/**
 * ACL tokens and TLS on a real agent, driven by the real CLI: with `--acl-token` writes need
 * the token, which the CLI sends from `--token` or `SHOAL_HTTP_TOKEN`; with
 * `--acl-default-deny` reads need it too; with `--http-tls-cert/--http-tls-key` the API is
 * HTTPS only (the CLI trusts the self-signed certificate through NODE_EXTRA_CA_CERTS).
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadAgentConfig } from "../../../src/agent/config/load.js";
import { Agent } from "../../../src/agent/daemon/agent.js";
import { createLogger } from "../../../src/agent/logging/logger.js";
import { describeWhen, hasCommand } from "../../support/requirements.js";
import { makeSelfSignedCert, type SelfSignedCert } from "../../support/self-signed-cert.js";
import { shoalCli } from "./cli.js";

const TOKEN = "acl-integration-token";

async function startAgent(name: string, flags: readonly string[]): Promise<Agent> {
  const config = loadAgentConfig(
    ["--node", name, "--bind", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--profile", "local", ...flags],
    {},
  );
  return Agent.start(config, createLogger({ level: "error", destination: { write: () => undefined } }));
}

describeWhen(hasCommand("openssl"), "the `openssl` CLI")("HTTP API security on a real agent", () => {
  let plain: Agent;
  let secure: Agent;
  let cert: SelfSignedCert;

  beforeAll(async () => {
    cert = makeSelfSignedCert();
    plain = await startAgent("acl-plain", ["--acl-token", TOKEN]);
    secure = await startAgent("acl-tls", [
      "--acl-token",
      TOKEN,
      "--acl-default-deny",
      "--http-tls-cert",
      cert.certPath,
      "--http-tls-key",
      cert.keyPath,
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled([plain.close(), secure.close()]);
    rmSync(cert.dir, { recursive: true, force: true });
  });

  it("refuses a CLI write without the token, accepts it from --token and SHOAL_HTTP_TOKEN", async () => {
    const addr = plain.httpUrl().replace("http://", "");
    const denied = await shoalCli(["tags", "--http-addr", addr, "--set", "role=web"]);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/403 Permission denied/);
    // Reads stay open without default-deny.
    expect((await shoalCli(["members", "--http-addr", addr])).code).toBe(0);
    const byFlag = await shoalCli(["tags", "--http-addr", addr, "--token", TOKEN, "--set", "role=web"]);
    expect(byFlag.code, byFlag.stderr).toBe(0);
    const byEnv = await shoalCli(["tags", "--http-addr", addr, "--set", "tier=1"], {
      SHOAL_HTTP_TOKEN: TOKEN,
    });
    expect(byEnv.code, byEnv.stderr).toBe(0);
    expect(plain.self().meta).toMatchObject({ role: "web", tier: "1" });
  });

  it("serves HTTPS only, and with default-deny needs the token for reads", async () => {
    const url = secure.httpUrl();
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const trust = { NODE_EXTRA_CA_CERTS: cert.certPath };
    const denied = await shoalCli(["members", "--http-addr", url], trust);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/403 Permission denied/);
    const allowed = await shoalCli(["members", "--http-addr", url], { ...trust, SHOAL_HTTP_TOKEN: TOKEN });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stdout).toContain("acl-tls");
    // Plain HTTP on the TLS port gets no answer from the API.
    const overHttp = await shoalCli([
      "members",
      "--http-addr",
      url.replace("https://", "http://"),
      "--token",
      TOKEN,
    ]);
    expect(overHttp.code).not.toBe(0);
  });
});
