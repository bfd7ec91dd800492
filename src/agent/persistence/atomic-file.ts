/**
 * Crash-safe files: a write either fully replaces the old content or leaves it untouched,
 * and is on disk when the promise resolves. The recipe is the usual one (write a temp file in
 * the same directory, fsync it, rename over the target, fsync the directory so the rename
 * itself survives a power cut). Reads tell a corrupt file apart from a missing one and keep
 * the corrupt bytes for a human instead of deleting evidence.
 */
import { randomBytes } from "node:crypto";
import { open, readFile, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { PersistenceError } from "../../errors.js";

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** File mode of a newly written file (default 0o644; secrets use 0o600). */
  readonly mode?: number;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * fsyncs a directory so a rename in it is durable. Some platforms (Windows) and file systems
 * refuse to open or sync directories; there the rename is as durable as the OS makes it.
 */
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EISDIR" && code !== "EINVAL" && code !== "EPERM" && code !== "EACCES") throw error;
  } finally {
    await handle?.close();
  }
}

/**
 * Replaces `path` with `data` atomically and durably. The temp file lives next to the target
 * (rename is only atomic within one file system) and is removed if anything fails.
 * Throws {@link PersistenceError} naming the file.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    const handle = await open(temp, "wx", options.mode ?? 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    await syncDirectory(dir);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw new PersistenceError(`cannot write ${path}: ${messageOf(error)}`, { cause: error });
  }
}

/** A file exists but does not hold what it should; `movedTo` is where it was put aside. */
export class CorruptFileError extends PersistenceError {
  readonly path: string;
  readonly movedTo: string | undefined;

  constructor(path: string, movedTo: string | undefined, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.path = path;
    this.movedTo = movedTo;
  }
}

/** Options of {@link readJsonIfExists}. */
export interface ReadJsonOptions<T> {
  /** Checks the parsed value's shape and returns it typed; throws (any error) if it is wrong. */
  readonly parse?: (value: unknown) => T;
  /**
   * Move a corrupt file aside to `<path>.corrupt-<timestamp>` (default true), so the next
   * start begins clean while the bytes stay available. Pass false where starting without the
   * file would be dangerous (a keyring: the agent would silently run unencrypted).
   */
  readonly quarantine?: boolean;
  /** Clock for the quarantine suffix (tests). */
  readonly now?: () => Date;
}

/** A file-system-safe timestamp: 2024-05-01T12-00-00-123Z. */
function stamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, "-");
}

/**
 * Reads and parses a JSON file: `undefined` if it does not exist. If it is not valid JSON or
 * `parse` rejects it, the file is moved aside (see {@link ReadJsonOptions.quarantine}) and a
 * {@link CorruptFileError} says where it went; other read failures are a {@link PersistenceError}.
 */
export async function readJsonIfExists<T = unknown>(
  path: string,
  options: ReadJsonOptions<T> = {},
): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new PersistenceError(`cannot read ${path}: ${messageOf(error)}`, { cause: error });
  }
  try {
    const value: unknown = JSON.parse(text);
    return options.parse === undefined ? (value as T) : options.parse(value);
  } catch (error) {
    if (options.quarantine === false) {
      throw new CorruptFileError(path, undefined, `${path} is corrupt: ${messageOf(error)}`, {
        cause: error,
      });
    }
    const aside = `${path}.corrupt-${stamp(options.now?.() ?? new Date())}`;
    try {
      await rename(path, aside);
    } catch (renameError) {
      throw new PersistenceError(
        `${path} is corrupt (${messageOf(error)}) and could not be moved aside: ${messageOf(renameError)}`,
        { cause: error },
      );
    }
    throw new CorruptFileError(
      path,
      aside,
      `${path} is corrupt (${messageOf(error)}); moved it to ${aside}`,
      {
        cause: error,
      },
    );
  }
}
