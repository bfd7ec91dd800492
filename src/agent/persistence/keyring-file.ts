/**
 * Serf's keyring file (`-keyring-file`): a JSON array of base64 keys, primary first, written
 * with mode 0600 and rewritten after every key operation (install/use/remove).
 */
import { Keyring, decodeKeyBase64 } from "../../swim/codec/keyring.js";
import { PersistenceError } from "../../errors.js";
import { readJsonIfExists, writeFileAtomic } from "./atomic-file.js";

function parseKeys(value: unknown): Keyring {
  if (!Array.isArray(value) || !value.every((k) => typeof k === "string")) {
    throw new Error("expected a JSON array of base64 keys");
  }
  // As in Serf: an empty keyring file is a mistake, not "encryption off".
  if (value.length === 0) throw new Error("no keys present in keyring file");
  const keys = value.map((text, i) => {
    try {
      return decodeKeyBase64(text);
    } catch (error) {
      throw new Error(`key ${i + 1}: ${(error as Error).message}`, { cause: error });
    }
  });
  return Keyring.of(keys);
}

/**
 * Loads a keyring file, or `undefined` if it does not exist. A malformed file is an error
 * naming the file, and is left in place: moving it aside would let the next start run
 * without encryption.
 */
export async function loadKeyringFile(path: string): Promise<Keyring | undefined> {
  return readJsonIfExists(path, { parse: parseKeys, quarantine: false });
}

/** Writes `keyring` to `path` atomically (mode 0600), primary key first, as Serf formats it. */
export async function saveKeyringFile(path: string, keyring: Keyring): Promise<void> {
  if (!keyring.enabled) throw new PersistenceError(`refusing to write an empty keyring to ${path}`);
  await writeFileAtomic(path, `${JSON.stringify(keyring.list(), null, 2)}\n`, { mode: 0o600 });
}
