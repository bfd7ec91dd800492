#!/usr/bin/env node
// Runs every vitest tier (or the projects named on the command line), then prints one closing
// line that CI reads: `Tests: N passed, N failed` (", N skipped" added only when some skipped).
//
// With no arguments the tiers run in two phases: the CPU-bound ones (unit, property, sim) first,
// then integration and container side by side. Both of those mostly wait on timers, real
// processes and containers; run one after the other they would take most of CI's 25 minutes.
import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";

/** Runs vitest with `args`; resolves with its exit code and its JSON report's counts. */
function runVitest(args, reportFile) {
  rmSync(reportFile, { force: true });
  const child = spawn(
    "npx",
    ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile=${reportFile}`, ...args],
    { stdio: "inherit" },
  );
  return new Promise((resolve) => {
    child.on("exit", (code) => resolve({ exitCode: code ?? 1, ...countsOf(reportFile) }));
  });
}

function countsOf(reportFile) {
  try {
    const report = JSON.parse(readFileSync(reportFile, "utf8"));
    // A file that fails to load has no tests to count; it still must not pass silently.
    const brokenFiles = report.testResults.filter(
      (file) => file.status === "failed" && file.assertionResults.length === 0,
    ).length;
    return {
      passed: report.numPassedTests,
      failed: report.numFailedTests + brokenFiles,
      skipped: report.numPendingTests + report.numTodoTests,
    };
  } catch (error) {
    console.error(`could not read ${reportFile}: ${String(error)}`);
    return { passed: 0, failed: 0, skipped: 0 };
  }
}

const projects = (...names) => names.flatMap((name) => ["--project", name]);
const args = process.argv.slice(2);
const runs =
  args.length > 0
    ? [await runVitest(args, ".vitest-report.json")]
    : [
        // sim-alone (the timed 1,000-node run) is vitest group 1: it starts once the
        // others are done, so it has both cores to itself.
        await runVitest(projects("unit", "property", "sim", "sim-alone"), ".vitest-report-cpu.json"),
        ...(await Promise.all([
          runVitest(projects("integration"), ".vitest-report-integration.json"),
          runVitest(projects("container"), ".vitest-report-container.json"),
        ])),
      ];

let passed = 0;
let failed = 0;
let skipped = 0;
for (const run of runs) {
  passed += run.passed;
  failed += run.failed;
  skipped += run.skipped;
  if (run.exitCode !== 0 && run.failed === 0) failed += 1;
}
const exitCode = runs.every((run) => run.exitCode === 0) ? 0 : 1;
console.log(`Tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`);
process.exit(exitCode);
