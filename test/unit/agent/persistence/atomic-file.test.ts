import { mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CorruptFileError,
  readJsonIfExists,
  writeFileAtomic,
} from "../../../../src/agent/persistence/atomic-file.js";
import { ErrorCode, PersistenceError } from "../../../../src/errors.js";
import { useTempDirs } from "./temp-dir.js";

const tempDir = useTempDirs();

describe("writeFileAtomic", () => {
  it("writes, replaces and leaves no temp files behind", async () => {
    const dir = await tempDir();
    const path = join(dir, "state.json");
    await writeFileAtomic(path, "one");
    await writeFileAtomic(path, new TextEncoder().encode("two"));
    expect(await readFile(path, "utf8")).toBe("two");
    expect(await readdir(dir)).toEqual(["state.json"]);
  });

  it("keeps every write whole under concurrency", async () => {
    const dir = await tempDir();
    const path = join(dir, "state.json");
    const docs = Array.from({ length: 20 }, (_, i) => JSON.stringify({ i, pad: "x".repeat(10_000) }));
    await Promise.all(docs.map((d) => writeFileAtomic(path, d)));
    expect(docs).toContain(await readFile(path, "utf8"));
    expect(await readdir(dir)).toEqual(["state.json"]);
  });

  it("applies the requested mode to a new file", async () => {
    const dir = await tempDir();
    const path = join(dir, "secret.json");
    await writeFileAtomic(path, "[]", { mode: 0o600 });
    if (process.platform !== "win32") expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it("fails with a PersistenceError naming the file, keeping the old content", async () => {
    const dir = await tempDir();
    const path = join(dir, "state.json");
    await writeFileAtomic(path, "old");
    await mkdir(join(dir, "sub"));
    // Renaming a file over a directory fails after the temp file was written.
    const error = await writeFileAtomic(join(dir, "sub"), "new").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PersistenceError);
    expect((error as PersistenceError).code).toBe(ErrorCode.persistence);
    expect((error as Error).message).toContain(join(dir, "sub"));
    expect(await readFile(path, "utf8")).toBe("old");
    expect((await readdir(dir)).sort()).toEqual(["state.json", "sub"]);
  });

  it("fails when the directory does not exist", async () => {
    const dir = await tempDir();
    await expect(writeFileAtomic(join(dir, "nope", "x.json"), "{}")).rejects.toThrow(PersistenceError);
  });
});

describe("readJsonIfExists", () => {
  it("returns undefined for a missing file and the value for a good one", async () => {
    const dir = await tempDir();
    expect(await readJsonIfExists(join(dir, "missing.json"))).toBeUndefined();
    await writeFile(join(dir, "ok.json"), '{"a":1}');
    expect(await readJsonIfExists(join(dir, "ok.json"))).toEqual({ a: 1 });
  });

  it("moves corrupt JSON aside and says where", async () => {
    const dir = await tempDir();
    const path = join(dir, "state.json");
    await writeFile(path, "{ torn");
    const now = () => new Date("2024-05-01T12:00:00.123Z");
    const error = await readJsonIfExists(path, { now }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptFileError);
    const aside = `${path}.corrupt-2024-05-01T12-00-00-123Z`;
    expect((error as CorruptFileError).movedTo).toBe(aside);
    expect((error as Error).message).toContain(aside);
    expect(await readFile(aside, "utf8")).toBe("{ torn");
    expect(await readdir(dir)).toEqual(["state.json.corrupt-2024-05-01T12-00-00-123Z"]);
    // The next start finds no file rather than failing again.
    expect(await readJsonIfExists(path)).toBeUndefined();
  });

  it("treats a shape the parser rejects as corrupt", async () => {
    const dir = await tempDir();
    const path = join(dir, "state.json");
    await writeFile(path, "[1,2]");
    const parse = (v: unknown): unknown[] => {
      if (!Array.isArray(v) || v.length !== 3) throw new Error("need three");
      return v as unknown[];
    };
    await expect(readJsonIfExists(path, { parse })).rejects.toThrow(/need three/);
    expect((await readdir(dir))[0]).toMatch(/^state\.json\.corrupt-/);
  });

  it("leaves a corrupt file in place when quarantine is off", async () => {
    const dir = await tempDir();
    const path = join(dir, "keyring.json");
    await writeFile(path, "nope");
    await expect(readJsonIfExists(path, { quarantine: false })).rejects.toThrow(CorruptFileError);
    expect(await readdir(dir)).toEqual(["keyring.json"]);
  });
});
