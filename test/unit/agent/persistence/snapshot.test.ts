import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { SNAPSHOT_FILE, openSnapshot } from "../../../../src/agent/persistence/snapshot.js";
import { useTempDirs } from "./temp-dir.js";

const tempDir = useTempDirs();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("snapshot", () => {
  it("starts empty, creating the data dir", async () => {
    const dir = join(await tempDir(), "data", "nested");
    const snap = await openSnapshot(dir);
    expect(snap.previousPeers()).toEqual([]);
    expect(snap.clocks()).toEqual({ member: 0, event: 0, query: 0 });
    expect(snap.left()).toBe(false);
    await snap.close();
    expect(await readdir(dir)).toEqual([]); // nothing recorded, nothing written
  });

  it("round-trips peers, clocks and failures across a restart", async () => {
    const dir = await tempDir();
    const snap = await openSnapshot(dir);
    snap.recordAlive("a", "10.0.0.1:7946");
    snap.recordAlive("b", "10.0.0.2:7946");
    snap.recordAlive("c", "[::1]:7946");
    snap.recordAlive("d", "10.0.0.4:7946");
    snap.recordFailed("b");
    snap.recordFailed("d");
    snap.recordLeft("c");
    snap.recordClock("member", 12);
    snap.recordClock("member", 7); // older: ignored
    snap.recordClock("event", 3);
    snap.recordClock("query", 99);
    await snap.close();

    const again = await openSnapshot(dir);
    expect(again.previousPeers()).toEqual([
      { name: "a", address: "10.0.0.1:7946", status: "alive" },
      { name: "d", address: "10.0.0.4:7946", status: "failed" },
      { name: "b", address: "10.0.0.2:7946", status: "failed" },
    ]);
    expect(again.clocks()).toEqual({ member: 12, event: 3, query: 99 });
    expect(again.left()).toBe(false);
    await again.close();
    expect(await readdir(dir)).toEqual([SNAPSHOT_FILE]);
  });

  it("moves a peer back to alive, and updates its address", async () => {
    const dir = await tempDir();
    const snap = await openSnapshot(dir);
    snap.recordAlive("a", "10.0.0.1:7946");
    snap.recordFailed("a");
    snap.recordAlive("a", "10.0.0.9:7946");
    snap.recordFailed("unknown"); // never seen: nothing to remember
    expect(snap.previousPeers()).toEqual([{ name: "a", address: "10.0.0.9:7946", status: "alive" }]);
    await snap.close();
  });

  it("keeps only the most recent failed peers", async () => {
    const dir = await tempDir();
    const snap = await openSnapshot(dir, { maxFailedPeers: 2 });
    for (const n of ["a", "b", "c"]) {
      snap.recordAlive(n, `${n}:1`);
      snap.recordFailed(n);
    }
    expect(snap.previousPeers().map((p) => p.name)).toEqual(["c", "b"]);
    await snap.close();
  });

  it("remembers a graceful leave: no peers, flag set, later records ignored", async () => {
    const dir = await tempDir();
    const snap = await openSnapshot(dir);
    snap.recordAlive("a", "10.0.0.1:7946");
    snap.recordClock("event", 5);
    snap.recordLeave();
    snap.recordAlive("b", "10.0.0.2:7946"); // gossip still arriving while we leave
    await snap.close();

    const again = await openSnapshot(dir);
    expect(again.left()).toBe(true);
    expect(again.previousPeers()).toEqual([]);
    expect(again.clocks().event).toBe(5); // kept, so old events are not replayed after a rejoin
    // An explicit join in the new run brings peers back and clears the flag.
    again.recordAlive("a", "10.0.0.1:7946");
    expect(again.left()).toBe(false);
    await again.close();
    expect((await openSnapshot(dir)).left()).toBe(false);
  });

  it("throttles writes to one per interval and flushes the latest state on close", async () => {
    const dir = await tempDir();
    const writes: number[] = [];
    const snap = await openSnapshot(dir, { throttleMs: 400, onWrite: ({ bytes }) => writes.push(bytes) });
    for (let i = 0; i < 50; i++) snap.recordAlive(`n${i}`, `10.0.0.${i}:7946`);
    await vi.waitFor(() => expect(writes).toHaveLength(1)); // the first change is written promptly
    for (let i = 0; i < 50; i++) snap.recordClock("member", i + 1);
    await sleep(100);
    expect(writes).toHaveLength(1); // the next ones wait out the throttle, together
    await vi.waitFor(() => expect(writes).toHaveLength(2), { timeout: 2_000 });
    snap.recordClock("member", 1_000);
    await snap.close();
    expect(writes).toHaveLength(3);
    const doc = JSON.parse(await readFile(join(dir, SNAPSHOT_FILE), "utf8")) as {
      clocks: { member: number };
    };
    expect(doc.clocks.member).toBe(1_000);
  });

  it("does not rewrite when nothing changed", async () => {
    const dir = await tempDir();
    let writes = 0;
    const snap = await openSnapshot(dir, { throttleMs: 0, onWrite: () => writes++ });
    snap.recordAlive("a", "x:1");
    await snap.flush();
    snap.recordAlive("a", "x:1");
    snap.recordClock("query", 0);
    await snap.flush();
    await snap.close();
    expect(writes).toBe(1);
  });

  it("moves a corrupt snapshot aside and starts empty with a warning", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, SNAPSHOT_FILE), '{"version":1,"alive":');
    const warnings: string[] = [];
    const snap = await openSnapshot(dir, { onWarning: (m) => warnings.push(m) });
    expect(snap.previousPeers()).toEqual([]);
    expect(warnings).toEqual([expect.stringContaining("corrupt")]);
    expect((await readdir(dir)).some((f) => f.startsWith(`${SNAPSHOT_FILE}.corrupt-`))).toBe(true);
    await snap.close();
  });

  it("reports a failed background write and retries it", async () => {
    const dir = await tempDir();
    const errors: unknown[] = [];
    const snap = await openSnapshot(join(dir, "data"), { throttleMs: 20, onError: (e) => errors.push(e) });
    await rm(join(dir, "data"), { recursive: true });
    snap.recordAlive("a", "x:1");
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0));
    await mkdir(join(dir, "data"));
    await snap.close();
    expect(JSON.parse(await readFile(join(dir, "data", SNAPSHOT_FILE), "utf8"))).toMatchObject({
      alive: { a: "x:1" },
    });
  });
});
