import { readFile, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openRegistrationsStore } from "../../../../src/agent/persistence/registrations-store.js";
import { CorruptFileError } from "../../../../src/agent/persistence/atomic-file.js";
import { PersistenceError } from "../../../../src/errors.js";
import { useTempDirs } from "./temp-dir.js";

const tempDir = useTempDirs();

interface Doc {
  services: { id: string }[];
}

describe("registrations store", () => {
  it("loads nothing before the first save, then what was saved (mode 0600)", async () => {
    const path = join(await tempDir(), "registrations.json");
    const store = openRegistrationsStore<Doc>(path);
    expect(await store.load()).toBeUndefined();
    await store.save({ services: [{ id: "web" }] });
    // Durable on resolve: a second store (a restarted agent) sees it.
    expect(await openRegistrationsStore<Doc>(path).load()).toEqual({ services: [{ id: "web" }] });
    if (process.platform !== "win32") expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it("serializes at call time and ends with the last of concurrent saves", async () => {
    const dir = await tempDir();
    const path = join(dir, "registrations.json");
    const store = openRegistrationsStore<Doc>(path);
    const doc: Doc = { services: [] };
    const saves: Promise<void>[] = [];
    for (let i = 0; i < 25; i++) {
      doc.services.push({ id: `s${i}` });
      saves.push(store.save(doc));
    }
    doc.services.push({ id: "after" }); // not saved
    await Promise.all(saves);
    const saved = JSON.parse(await readFile(path, "utf8")) as Doc;
    expect(saved.services.map((s) => s.id)).toEqual(Array.from({ length: 25 }, (_, i) => `s${i}`));
    expect(await readdir(dir)).toEqual(["registrations.json"]);
  });

  it("resolves each save only once its document (or a later one) is on disk", async () => {
    const path = join(await tempDir(), "registrations.json");
    const store = openRegistrationsStore<Doc>(path);
    for (let i = 0; i < 5; i++) {
      await store.save({ services: [{ id: `v${i}` }] });
      expect(JSON.parse(await readFile(path, "utf8"))).toEqual({ services: [{ id: `v${i}` }] });
    }
  });

  it("saveLatest builds the document once per write, from the state when the write starts", async () => {
    const path = join(await tempDir(), "registrations.json");
    const store = openRegistrationsStore<Doc>(path);
    const services: { id: string }[] = [];
    let builds = 0;
    const produce = (): Doc => {
      builds++;
      return { services: [...services] };
    };
    const saves: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) {
      services.push({ id: `s${i}` });
      saves.push(store.saveLatest(produce));
    }
    await Promise.all(saves);
    expect(builds).toBeLessThanOrEqual(2);
    expect((JSON.parse(await readFile(path, "utf8")) as Doc).services).toHaveLength(50);
    const cyclic: Record<string, unknown> = {};
    cyclic["self"] = cyclic;
    await expect(openRegistrationsStore(path).saveLatest(() => cyclic)).rejects.toThrow(/serialize/);
  });

  it("rejects saves when the write fails, and recovers afterwards", async () => {
    const dir = await tempDir();
    const store = openRegistrationsStore<Doc>(join(dir, "missing-dir", "registrations.json"));
    await expect(store.save({ services: [] })).rejects.toThrow(PersistenceError);
    const cyclic: Record<string, unknown> = {};
    cyclic["self"] = cyclic;
    await expect(openRegistrationsStore(join(dir, "r.json")).save(cyclic)).rejects.toThrow(/serialize/);
    const good = openRegistrationsStore<Doc>(join(dir, "r.json"));
    await good.save({ services: [{ id: "ok" }] });
    expect(await good.load()).toEqual({ services: [{ id: "ok" }] });
  });

  it("moves a corrupt or invalid document aside", async () => {
    const dir = await tempDir();
    const path = join(dir, "registrations.json");
    await writeFile(path, '{"services": 5}');
    const parse = (v: unknown): Doc => {
      if (!Array.isArray((v as Doc).services)) throw new Error("services must be an array");
      return v as Doc;
    };
    const error = await openRegistrationsStore<Doc>(path, { parse })
      .load()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptFileError);
    expect((error as Error).message).toContain("services must be an array");
    expect((await readdir(dir))[0]).toMatch(/^registrations\.json\.corrupt-/);
  });
});
