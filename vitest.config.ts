import { defineConfig } from "vitest/config";

/** Timed simulations that must not share the machine with other test files (project `sim-alone`). */
const SIM_ALONE = ["test/sim/convergence-1000.test.ts"];

/** One vitest project per test tier (../shared/DESIGN.md section 7); `npm test` runs them all. */
export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"], testTimeout: 10_000 } },
      { test: { name: "property", include: ["test/property/**/*.test.ts"], testTimeout: 60_000 } },
      {
        test: {
          name: "sim",
          include: ["test/sim/**/*.test.ts"],
          exclude: SIM_ALONE,
          testTimeout: 180_000,
          // Large simulations allocate millions of short-lived objects; a bigger young generation
          // spends far less time in scavenges (1,000-node set-up: 9.4 s -> 6.2 s).
          execArgv: ["--max-semi-space-size=64"],
        },
      },
      {
        test: {
          // Simulations with a wall-time acceptance bound (the 1,000-node run must finish in under
          // 60 s on this 2-core machine): a group of their own, after every group-0 project, one
          // file at a time, so no other test file competes for the cores while they are timed.
          name: "sim-alone",
          include: SIM_ALONE,
          testTimeout: 180_000,
          execArgv: ["--max-semi-space-size=64"],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          // Real processes and sockets: run files one at a time so timings are not distorted.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "container",
          include: ["test/container/**/*.test.ts"],
          globalSetup: ["test/support/container-global-setup.ts"],
          env: { TESTCONTAINERS_RYUK_DISABLED: "true" },
          testTimeout: 600_000,
          hookTimeout: 600_000,
          // Each scenario has its own network and containers, and mostly waits: run them side
          // by side so the 5-minute loss scenario sets the tier's wall time, not the sum. Three
          // at a time: on a 2-CPU machine, ~30 agents starting at once starved each other.
          fileParallelism: true,
          maxWorkers: 3,
          // Orders this tier after the others only when one vitest run holds several tiers
          // (e.g. `vitest run --project integration --project container`). `npm test`
          // (scripts/run-tests.mjs) runs it in a vitest process of its own, after unit,
          // property and sim, but side by side with the integration tier: the two mostly
          // wait, and run one after the other they would not fit CI's time.
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
