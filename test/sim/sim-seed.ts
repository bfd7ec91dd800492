/**
 * Seeds for simulator tests: `SIM_SEED` from the environment when set (to replay a failure),
 * else the test's fixed default. Every failure message carries the seed and the replay command.
 */

/** The seed to use: `SIM_SEED` if set, else `fallback`. */
export function simSeed(fallback: number): number {
  const fromEnv = process.env["SIM_SEED"];
  if (fromEnv === undefined || fromEnv === "") return fallback;
  const seed = Number(fromEnv);
  if (!Number.isInteger(seed) || seed < 0)
    throw new Error(`SIM_SEED must be a non-negative integer, got "${fromEnv}"`);
  return seed >>> 0;
}

/** A suffix for assertion messages: the seed and how to replay this file with it. */
export function replayHint(seed: number, file: string): string {
  return `(seed ${seed}; replay: SIM_SEED=${seed} npx vitest run ${file})`;
}
