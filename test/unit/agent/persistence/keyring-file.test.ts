import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadKeyringFile, saveKeyringFile } from "../../../../src/agent/persistence/keyring-file.js";
import { Keyring } from "../../../../src/swim/codec/keyring.js";
import { PersistenceError } from "../../../../src/errors.js";
import { useTempDirs } from "./temp-dir.js";

const tempDir = useTempDirs();
const k = (fill: number, size = 32) => Buffer.alloc(size, fill).toString("base64");

describe("keyring file", () => {
  it("round-trips keys, primary first, as Serf's JSON array with mode 0600", async () => {
    const path = join(await tempDir(), "keyring.json");
    const ring = Keyring.fromBase64([k(1), k(2, 16), k(3, 24)], k(3, 24));
    await saveKeyringFile(path, ring);
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual([k(3, 24), k(1), k(2, 16)]);
    if (process.platform !== "win32") expect((await stat(path)).mode & 0o777).toBe(0o600);
    const loaded = await loadKeyringFile(path);
    expect(loaded?.list()).toEqual(ring.list());
  });

  it("reads a file Serf wrote", async () => {
    const path = join(await tempDir(), "keyring");
    await writeFile(path, `[\n  "${k(9)}",\n  "${k(8)}"\n]`);
    expect((await loadKeyringFile(path))?.list()).toEqual([k(9), k(8)]);
  });

  it("returns undefined for a missing file", async () => {
    expect(await loadKeyringFile(join(await tempDir(), "none.json"))).toBeUndefined();
  });

  it.each([
    ["not json", "corrupt"],
    ["{}", "array of base64 keys"],
    ["[]", "no keys present"],
    [`["${k(1)}", "short"]`, "key 2"],
    [`["${Buffer.alloc(20).toString("base64")}"]`, "key size"],
  ])("refuses %j naming the file and leaves it in place", async (text, reason) => {
    const path = join(await tempDir(), "keyring.json");
    await writeFile(path, text);
    const error = await loadKeyringFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PersistenceError);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toContain(reason);
    expect(await readFile(path, "utf8")).toBe(text);
  });

  it("refuses to write an empty keyring", async () => {
    const path = join(await tempDir(), "keyring.json");
    await expect(saveKeyringFile(path, Keyring.empty())).rejects.toThrow(path);
  });
});
