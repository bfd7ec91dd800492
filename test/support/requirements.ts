import { execFileSync } from "node:child_process";
import { describe } from "vitest";

/** True when a command can be found on PATH. */
export function hasCommand(command: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** True when a Docker engine answers. */
export function hasDockerEngine(): boolean {
  try {
    execFileSync("docker", ["info"], { stdio: "ignore", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** A `describe` that may have been turned into a skip. */
export type TierDescribe = ReturnType<typeof describe.skipIf>;

/**
 * `describe`, or a loudly announced skip when a tier's requirement is missing on this machine.
 * Under `CI=true` a missing requirement is a failure instead: in CI every tier runs.
 */
export function describeWhen(available: boolean, requirement: string): TierDescribe {
  if (available) return describe.skipIf(false);
  const reason = `requirement missing: ${requirement}`;
  if (process.env["CI"] === "true") {
    throw new Error(`${reason} (CI=true: every test tier must run; .ci/run installs it)`);
  }
  console.warn(`\n!!!!! SKIPPING TESTS: ${reason}. Install it (see .ci/run) to run this tier. !!!!!\n`);
  return describe.skipIf(true);
}

/** `describe` for tests that need Debian's `serf` binary. */
export const describeWithSerf = (): TierDescribe => describeWhen(hasCommand("serf"), "the `serf` binary");

/** `describe` for tests that need a running Docker engine. */
export const describeWithDocker = (): TierDescribe =>
  describeWhen(hasDockerEngine(), "a running Docker engine");
