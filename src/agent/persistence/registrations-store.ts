/**
 * Durable storage for the services and checks registered through the HTTP API. The API
 * acknowledges a registration only after `save` resolves, so `save` resolves only once the
 * document is fsynced. Concurrent saves are group-committed: while one write is in flight, the
 * newest pending document is written next and every waiting caller resolves with it, so a
 * burst of N registrations costs about two fsyncs instead of N.
 */
import { PersistenceError } from "../../errors.js";
import { readJsonIfExists, writeFileAtomic } from "./atomic-file.js";

/** File name of the store inside the data dir. */
export const REGISTRATIONS_FILE = "registrations.json";

/** A JSON document persisted atomically. */
export interface RegistrationsStore<T> {
  /** The file backing the store. */
  readonly path: string;
  /**
   * The last saved document, or `undefined` if none was ever saved. A corrupt file is moved
   * aside and reported with a `CorruptFileError`.
   */
  load(): Promise<T | undefined>;
  /** Persists `doc` (serialized at call time); resolves once it is durable on disk. */
  save(doc: T): Promise<void>;
  /**
   * Persists the document `produce` returns when the write starts, so a burst of N changes
   * builds and serializes it about twice instead of N times (the registry of a busy agent
   * holds thousands of services); resolves once a write begun after this call is durable.
   */
  saveLatest(produce: () => T): Promise<void>;
}

/** Options of {@link openRegistrationsStore}. */
export interface RegistrationsStoreOptions<T> {
  /** Validates a loaded document; throw to have it treated as corrupt. */
  readonly parse?: (value: unknown) => T;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * A store at `path` (conventionally `<dataDir>/registrations.json`). Mode 0600: check
 * definitions can carry credentials in headers.
 */
export function openRegistrationsStore<T = unknown>(
  path: string,
  options: RegistrationsStoreOptions<T> = {},
): RegistrationsStore<T> {
  /** The next write: the text to write, or how to produce it when the write starts. */
  let pending: { source: string | (() => T); waiters: Waiter[] } | undefined;
  let draining = false;

  async function drain(): Promise<void> {
    draining = true;
    while (pending !== undefined) {
      const batch = pending;
      pending = undefined;
      try {
        const text = typeof batch.source === "string" ? batch.source : serialize(batch.source());
        await writeFileAtomic(path, text, { mode: 0o600 });
        for (const w of batch.waiters) w.resolve();
      } catch (error) {
        for (const w of batch.waiters) w.reject(error);
      }
    }
    draining = false;
  }

  function serialize(doc: T): string {
    try {
      return `${JSON.stringify(doc, null, 2)}\n`;
    } catch (error) {
      throw new PersistenceError(`cannot serialize document for ${path}`, { cause: error });
    }
  }

  function enqueue(source: string | (() => T)): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      pending ??= { source, waiters: [] };
      pending.source = source;
      pending.waiters.push({ resolve, reject });
      if (!draining) void drain();
    });
  }

  return {
    path,
    load: () => readJsonIfExists<T>(path, options.parse === undefined ? {} : { parse: options.parse }),
    save(doc: T): Promise<void> {
      // Serialize now: the caller may mutate its object before the write happens.
      let text: string;
      try {
        text = serialize(doc);
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new PersistenceError(String(error)));
      }
      return enqueue(text);
    },
    saveLatest(produce: () => T): Promise<void> {
      return enqueue(produce);
    },
  };
}
