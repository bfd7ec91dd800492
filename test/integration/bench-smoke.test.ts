/**
 * Smoke test of the benchmark commands, so CI exercises their code paths: a 3-agent
 * convergence run (Shoal and, when the serf binary is present, Serf, profile local: fast
 * failure detection; Shoal must measure every scenario) and a tiny lookup run. Figures are not checked, only that each command
 * finishes and writes its JSON, Markdown and SVG. Kept well under a minute.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { hasCommand } from "../support/requirements.js";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const out = mkdtempSync(join(tmpdir(), "shoal-bench-smoke-"));
const withSerf = hasCommand("serf");

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("bench smoke", () => {
  it("bench:convergence runs every scenario and writes JSON, Markdown and SVG", async () => {
    const args = [
      "--import",
      "tsx",
      "bench/convergence.ts",
      "--nodes",
      "3",
      "--profile",
      "local",
      "--runs",
      "1",
      "--idle",
      "1",
      "--settle",
      "300",
      "--timeout",
      "20",
      "--shoal-bin",
      "bin/shoal.js",
      "--no-netns",
      "--quiet",
      "--out",
      out,
      "--name",
      "conv",
      ...(withSerf ? ["--compare", "serf"] : []),
    ];
    // Up to 20 s per scenario where Serf misses one (a graceful leave it logs as a failure).
    const { stdout } = await run(process.execPath, args, { cwd: ROOT, timeout: 150_000 });
    expect(stdout).toContain("Shoal t100");
    const doc = JSON.parse(readFileSync(join(out, "conv.json"), "utf8")) as {
      settings: {
        shoal: { scenarios: Record<string, { t100Ms: { median: number | null } }> };
        shoalVsSerf?: object;
      }[];
    };
    const setting = doc.settings[0];
    for (const scenario of ["event", "publish", "tags", "failure", "leave"]) {
      expect(setting?.shoal.scenarios[scenario]?.t100Ms.median, scenario).not.toBeNull();
    }
    if (withSerf) expect(setting?.shoalVsSerf).toHaveProperty("tags");
    expect(existsSync(join(out, "conv.md"))).toBe(true);
    expect(readFileSync(join(out, "conv-local.svg"), "utf8")).toContain("<svg");
  }, 180_000);

  it("bench:lookup measures the agent and the bare route", async () => {
    const args = ["--import", "tsx", "bench/lookup.ts", "--instances", "20", "--per-service", "5"];
    args.push("--duration", "1", "--rate", "50", "--connections", "2", "--out", out, "--name", "lookup");
    await run(process.execPath, args, { cwd: ROOT, timeout: 60_000 });
    const doc = JSON.parse(readFileSync(join(out, "lookup.json"), "utf8")) as {
      shoal: { saturatedReqPerSec: number };
      bare: { saturatedReqPerSec: number };
    };
    expect(doc.shoal.saturatedReqPerSec).toBeGreaterThan(0);
    expect(doc.bare.saturatedReqPerSec).toBeGreaterThan(0);
    expect(existsSync(join(out, "lookup.svg"))).toBe(true);
  }, 90_000);
});
