/**
 * HTTPS for the HTTP API (src/http-api/tls.ts): a real TLS handshake with a self-signed
 * certificate made by `openssl`, and config errors naming the bad file's option.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadTlsFiles } from "../../../src/http-api/tls.js";
import { createHttpApiServer } from "../../../src/http-api/server.js";
import { InMemoryAgent } from "../../support/in-memory-agent.js";
import { describeWhen, hasCommand } from "../../support/requirements.js";
import { makeSelfSignedCert, type SelfSignedCert } from "../../support/self-signed-cert.js";

function httpsGet(url: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describeWhen(hasCommand("openssl"), "the `openssl` CLI")("HTTPS", () => {
  let cert: SelfSignedCert;
  const dirs: string[] = [];
  beforeAll(() => {
    cert = makeSelfSignedCert();
    dirs.push(cert.dir);
  });
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("serves the API over TLS with the configured certificate", async () => {
    const agent = new InMemoryAgent({});
    const app = await createHttpApiServer({
      view: agent,
      control: agent,
      tls: await loadTlsFiles(cert.certPath, cert.keyPath),
    });
    try {
      await app.listen({ host: "127.0.0.1", port: 0 });
      const { port } = app.server.address() as AddressInfo;
      const ca = readFileSync(cert.certPath);
      const answer = await httpsGet(`https://127.0.0.1:${port}/v1/status/leader`, ca);
      expect(answer.status).toBe(200);
      // Without the CA the self-signed certificate is refused: TLS really is in use.
      await expect(httpsGet(`https://127.0.0.1:${port}/v1/status/leader`, Buffer.alloc(0))).rejects.toThrow();
    } finally {
      await app.close();
      agent.close();
    }
  });

  it("names httpTlsCert for a file that is not a certificate", async () => {
    const junk = join(cert.dir, "junk.pem");
    writeFileSync(junk, "not a certificate\n");
    await expect(loadTlsFiles(junk, cert.keyPath)).rejects.toMatchObject({
      code: "SHOAL_ERR_CONFIG",
      problems: [expect.objectContaining({ field: "httpTlsCert" })],
    });
  });

  it("names httpTlsKey for a key that does not match the certificate", async () => {
    const other = makeSelfSignedCert();
    dirs.push(other.dir);
    await expect(loadTlsFiles(cert.certPath, other.keyPath)).rejects.toMatchObject({
      code: "SHOAL_ERR_CONFIG",
      problems: [
        expect.objectContaining({
          field: "httpTlsKey",
          message: expect.stringMatching(/not the PEM private key/),
        }),
      ],
    });
  });
});
