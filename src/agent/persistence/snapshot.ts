/**
 * The agent's snapshot (Serf's `-snapshot`, `serf/snapshot.go`): who was alive, the three
 * Lamport clocks, and whether this node left on purpose. On restart the agent restores the
 * clocks (so old user events and queries are not replayed) and rejoins through the previous
 * peers, unless it had left.
 *
 * Serf keeps an append-only log with compaction; this is a small JSON document rewritten
 * atomically instead, because the state is tiny (one line per peer) and a whole-file rewrite
 * needs no compaction, cannot be torn, and is readable. Membership churn is absorbed by a
 * throttle: at most one write per `throttleMs` (1 s), always off the packet path, plus a flush
 * on close.
 *
 * Unlike Serf, recently failed peers are remembered too (after the alive ones) because after a
 * cluster-wide outage every peer is failed and an alive-only snapshot cannot re-form the
 * cluster (serf#333).
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { CorruptFileError, readJsonIfExists, writeFileAtomic } from "./atomic-file.js";

/** File name of the snapshot inside the data dir. */
export const SNAPSHOT_FILE = "snapshot.json";

/** Serf's three Lamport clocks. */
export type ClockKind = "member" | "event" | "query";

/** The last recorded value of each clock (0 when never recorded). */
export type SnapshotClocks = Readonly<Record<ClockKind, number>>;

/** A peer worth trying on restart. */
export interface PreviousPeer {
  readonly name: string;
  /** `host:port` as recorded. */
  readonly address: string;
  /** `alive` peers come first; `failed` ones follow, most recently failed first. */
  readonly status: "alive" | "failed";
}

/** The agent's persisted membership state. Record calls are cheap and never touch the disk. */
export interface Snapshot {
  /** Peers from the previous run to rejoin through (empty after a graceful leave). */
  previousPeers(): readonly PreviousPeer[];
  /** The Lamport clocks to restore. */
  clocks(): SnapshotClocks;
  /** True if this node left gracefully and has not rejoined since: do not auto-rejoin. */
  left(): boolean;
  /** A member is alive at `address`; also clears a previous run's leave (we are back). */
  recordAlive(name: string, address: string): void;
  /** A member failed: kept as a rejoin candidate behind the alive ones. */
  recordFailed(name: string): void;
  /** A member left gracefully (or was reaped): forgotten. */
  recordLeft(name: string): void;
  /** A clock advanced; lower values than the recorded one are ignored. */
  recordClock(kind: ClockKind, value: number): void;
  /** This node is leaving gracefully: forget peers, remember the leave, ignore later records. */
  recordLeave(): void;
  /** Writes pending changes now; resolves once durable, rejects with the write's error. */
  flush(): Promise<void>;
  /** Flushes and stops; later records are ignored. */
  close(): Promise<void>;
}

/** Options of {@link openSnapshot}. */
export interface SnapshotOptions {
  /** Minimum time between two writes (default 1000 ms). */
  readonly throttleMs?: number;
  /** Failed peers kept as rejoin candidates (default 64, most recent kept). */
  readonly maxFailedPeers?: number;
  /** A background write failed; it is retried after `throttleMs`. Log it. */
  readonly onError?: (error: unknown) => void;
  /** Something odd but survivable happened (a corrupt snapshot was moved aside). Log it. */
  readonly onWarning?: (message: string) => void;
  /** Called after each write, for metrics (Serf has `serf.snapshot.*`). */
  readonly onWrite?: (info: { readonly bytes: number; readonly durationMs: number }) => void;
}

interface SnapshotDoc {
  readonly version: 1;
  readonly alive: Readonly<Record<string, string>>;
  /** [name, address], oldest failure first. */
  readonly failed: readonly (readonly [string, string])[];
  readonly clocks: SnapshotClocks;
  readonly left: boolean;
  /** Wall-clock time of the write, for humans reading the file. */
  readonly updatedAt: string;
}

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

function parseDoc(value: unknown): SnapshotDoc {
  const doc = value as Partial<Record<keyof SnapshotDoc, unknown>> | null;
  if (typeof doc !== "object" || doc === null || doc.version !== 1)
    throw new Error("not a version 1 snapshot");
  const alive = doc.alive as Record<string, unknown> | undefined;
  const failed = doc.failed;
  const clocks = doc.clocks as Record<string, unknown> | undefined;
  const ok =
    typeof alive === "object" &&
    alive !== null &&
    Object.values(alive).every((a) => typeof a === "string") &&
    Array.isArray(failed) &&
    failed.every((f) => Array.isArray(f) && f.length === 2 && f.every((s) => typeof s === "string")) &&
    typeof clocks === "object" &&
    clocks !== null &&
    isCount(clocks["member"]) &&
    isCount(clocks["event"]) &&
    isCount(clocks["query"]) &&
    typeof doc.left === "boolean";
  if (!ok) throw new Error("snapshot has an unexpected shape");
  return value as SnapshotDoc;
}

/**
 * Opens (creating if needed) the snapshot in `dir`. A corrupt snapshot is moved aside with a
 * warning and the agent starts fresh, as Serf skips unreadable snapshot lines: it is a cache
 * of membership, and the cluster still has the truth.
 */
export async function openSnapshot(dir: string, options: SnapshotOptions = {}): Promise<Snapshot> {
  const throttleMs = options.throttleMs ?? 1_000;
  const maxFailed = options.maxFailedPeers ?? 64;
  const path = join(dir, SNAPSHOT_FILE);
  await mkdir(dir, { recursive: true, mode: 0o700 });

  let doc: SnapshotDoc | undefined;
  try {
    doc = await readJsonIfExists(path, { parse: parseDoc });
  } catch (error) {
    if (!(error instanceof CorruptFileError)) throw error;
    options.onWarning?.(`${error.message}; starting with an empty snapshot`);
  }
  const alive = new Map<string, string>(Object.entries(doc?.alive ?? {}));
  // Insertion order = failure order; re-failing moves a peer to the end.
  const failed = new Map<string, string>(doc?.failed.map(([n, a]) => [n, a]) ?? []);
  const clocks: Record<ClockKind, number> = { member: 0, event: 0, query: 0, ...doc?.clocks };
  let left = doc?.left ?? false;
  let leaving = false;
  let closed = false;

  let dirty = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let lastWriteAt = -Infinity;

  const serialize = (): string =>
    `${JSON.stringify(
      {
        version: 1,
        alive: Object.fromEntries(alive),
        failed: [...failed],
        clocks,
        left,
        updatedAt: new Date().toISOString(),
      } satisfies SnapshotDoc,
      null,
      1,
    )}\n`;

  function write(): Promise<void> {
    dirty = false;
    const text = serialize();
    const started = performance.now();
    const attempt = writeFileAtomic(path, text).then(
      () => {
        lastWriteAt = performance.now();
        options.onWrite?.({ bytes: Buffer.byteLength(text), durationMs: lastWriteAt - started });
      },
      (error: unknown) => {
        dirty = true;
        lastWriteAt = performance.now();
        throw error;
      },
    );
    // inFlight never rejects: it only sequences writes. The caller handles `attempt`'s error.
    inFlight = attempt.then(
      () => undefined,
      () => undefined,
    );
    void inFlight.then(() => {
      inFlight = undefined;
      if (dirty && !closed) schedule();
    });
    return attempt;
  }

  function schedule(): void {
    if (timer !== undefined || inFlight !== undefined) return; // the running write reschedules
    const delay = Math.max(0, lastWriteAt + throttleMs - performance.now());
    timer = setTimeout(() => {
      timer = undefined;
      write().catch((error: unknown) => options.onError?.(error));
    }, delay);
    // A pending snapshot write must not keep a stopping process alive; close() flushes.
    timer.unref();
  }

  function changed(): void {
    dirty = true;
    schedule();
  }

  const recording = (): boolean => !closed && !leaving;

  async function flush(): Promise<void> {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (inFlight !== undefined) await inFlight;
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (dirty) await write();
  }

  return {
    previousPeers: () => [
      ...[...alive].map(([name, address]) => ({ name, address, status: "alive" as const })),
      ...[...failed].reverse().map(([name, address]) => ({ name, address, status: "failed" as const })),
    ],
    clocks: () => ({ ...clocks }),
    left: () => left,
    recordAlive(name, address) {
      if (!recording()) return;
      if (alive.get(name) === address && !failed.has(name) && !left) return;
      alive.set(name, address);
      failed.delete(name);
      left = false;
      changed();
    },
    recordFailed(name) {
      if (!recording()) return;
      const address = alive.get(name) ?? failed.get(name);
      if (address === undefined) return;
      alive.delete(name);
      failed.delete(name);
      failed.set(name, address);
      while (failed.size > maxFailed) failed.delete(failed.keys().next().value as string);
      changed();
    },
    recordLeft(name) {
      if (!recording()) return;
      if (alive.delete(name) || failed.delete(name)) changed();
    },
    recordClock(kind, value) {
      if (!recording() || !(value > clocks[kind])) return;
      clocks[kind] = value;
      changed();
    },
    recordLeave() {
      if (closed) return;
      leaving = true;
      left = true;
      alive.clear();
      failed.clear();
      changed();
    },
    flush,
    async close() {
      if (closed) return;
      closed = true;
      await flush();
    },
  };
}
