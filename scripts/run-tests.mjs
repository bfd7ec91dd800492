#!/usr/bin/env node
// Runs every vitest tier (or the projects named on the command line), then prints one closing
// line that CI reads: `Tests: N passed, N failed` (", N skipped" added only when some skipped).
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";

const reportFile = ".vitest-report.json";
rmSync(reportFile, { force: true });
const result = spawnSync(
  "npx",
  [
    "vitest",
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile=${reportFile}`,
    ...process.argv.slice(2),
  ],
  { stdio: "inherit" },
);

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const report = JSON.parse(readFileSync(reportFile, "utf8"));
  passed = report.numPassedTests;
  failed = report.numFailedTests;
  skipped = report.numPendingTests + report.numTodoTests;
  // A file that fails to load has no tests to count; it still must not pass silently.
  const brokenFiles = report.testResults.filter(
    (file) => file.status === "failed" && file.assertionResults.length === 0,
  );
  failed += brokenFiles.length;
} catch (error) {
  console.error(`could not read ${reportFile}: ${String(error)}`);
}
const exitCode = result.status ?? 1;
if (exitCode !== 0 && failed === 0) failed = 1;
console.log(`Tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`);
process.exit(exitCode);
