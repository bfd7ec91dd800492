/**
 * Runs Shoal's real config loader the way the container image would: the image's CMD
 * arguments (read from docker/Dockerfile), its default config file, and whatever a deployment
 * mounts into /etc/shoal.d, plus the deployment's environment. A deployment file that the
 * agent would reject at start fails here, offline.
 */
import { readFileSync } from "node:fs";
import { posix } from "node:path";
import { fileURLToPath } from "node:url";
import type { AgentConfig } from "../../../src/agent/config/agent-config.js";
import { loadAgentConfig } from "../../../src/agent/config/load.js";

/** Repository root. */
export const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** A file of this repository, as text. */
export const repoFile = (path: string): string => readFileSync(posix.join(ROOT, path), "utf8");

/** The `CMD [...]` of the image's runtime stage, minus the leading `agent` subcommand. */
export function imageAgentArgs(): string[] {
  const line = repoFile("docker/Dockerfile")
    .split("\n")
    .find((l) => l.startsWith("CMD ["));
  if (line === undefined) throw new Error("docker/Dockerfile has no CMD [...] line");
  const cmd = JSON.parse(line.slice("CMD ".length)) as string[];
  if (cmd[0] !== "agent") throw new Error(`the image's CMD should start with agent: ${line}`);
  return cmd.slice(1);
}

/**
 * Loads the agent config of a container: `mounted` maps container paths to file contents;
 * the image's own /etc/shoal/shoal.json is always there.
 */
export function loadContainerConfig(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  mounted: ReadonlyMap<string, string>,
): AgentConfig {
  const files = new Map([["/etc/shoal/shoal.json", repoFile("docker/shoal.json")], ...mounted]);
  return loadAgentConfig(args, env, {
    hostname: "container-hostname",
    readFile: (path) => {
      const text = files.get(path);
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
      return text;
    },
    readDir: (dir) => [...files.keys()].filter((p) => posix.dirname(p) === dir).map((p) => posix.basename(p)),
  });
}
