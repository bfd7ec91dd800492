/**
 * HTTPS for the HTTP API: reads the PEM certificate and key files and checks that they form a
 * usable pair before the server starts, so a bad file is a config error naming the option
 * (`httpTlsCert`, `httpTlsKey`) instead of a TLS failure on the first client.
 */
import { readFile } from "node:fs/promises";
import { createSecureContext } from "node:tls";
import { ConfigError } from "../errors.js";

/** PEM contents for fastify's `https` option. */
export interface TlsFiles {
  readonly cert: Buffer;
  readonly key: Buffer;
}

async function readPem(field: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new ConfigError([{ field, message: `cannot read ${path}: ${(error as Error).message}` }]);
  }
}

/** Loads and validates the pair; throws {@link ConfigError} naming the bad option. */
export async function loadTlsFiles(certPath: string, keyPath: string): Promise<TlsFiles> {
  const [cert, key] = await Promise.all([readPem("httpTlsCert", certPath), readPem("httpTlsKey", keyPath)]);
  try {
    createSecureContext({ cert });
  } catch (error) {
    throw new ConfigError([
      { field: "httpTlsCert", message: `${certPath} is not a PEM certificate: ${(error as Error).message}` },
    ]);
  }
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    throw new ConfigError([
      {
        field: "httpTlsKey",
        message: `${keyPath} is not the PEM private key of ${certPath}: ${(error as Error).message}`,
      },
    ]);
  }
  return { cert, key };
}
