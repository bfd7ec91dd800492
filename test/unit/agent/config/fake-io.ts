import type { ConfigIo } from "../../../../src/agent/config/load.js";
import { ConfigError, type ConfigProblem } from "../../../../src/errors.js";

/** An in-memory file system for the loader: paths to contents; directories are inferred. */
export function fakeIo(files: Readonly<Record<string, string>> = {}, hostname = "test-host"): ConfigIo {
  const enoent = (path: string): Error =>
    Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: "ENOENT" });
  return {
    hostname,
    readFile(path) {
      const text = files[path];
      if (text === undefined) throw enoent(path);
      return text;
    },
    readDir(path) {
      const prefix = `${path}/`;
      const names = Object.keys(files)
        .filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes("/"))
        .map((p) => p.slice(prefix.length));
      if (names.length === 0) throw enoent(path);
      // Deliberately unsorted, so the loader's ordering is what the tests see.
      return names.reverse();
    },
  };
}

/** The problems of the ConfigError that `fn` throws (fails the test if it does not throw one). */
export function problemsOf(fn: () => unknown): readonly ConfigProblem[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}
