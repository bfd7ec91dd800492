/**
 * Smoke test of `bench:convergence` with many agents per process (`bench/agent-host.ts`):
 * 20 agents in 3 host processes (the seed alone, then 10 and 9) form a cluster, see a joiner, a user event and the joiner's
 * crash, and the run writes its figures. Timings are not checked, only that every agent got
 * there. The host runs from TypeScript through tsx so that no build is needed.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const out = mkdtempSync(join(tmpdir(), "shoal-bench-hosts-"));

afterAll(() => rmSync(out, { recursive: true, force: true }));

interface Doc {
  settings: {
    shoal: {
      scenarios: Record<string, { t100Ms: { median: number | null }; reached: string[] }>;
      trials: { hosts?: { processes: number; agentsPerProcess: number } }[];
    };
  }[];
}

describe("bench hosts smoke", () => {
  it("20 agents in 3 host processes converge through every scenario", async () => {
    const args = ["--import", "tsx", "bench/convergence.ts", "--nodes", "20", "--per-process", "10"];
    args.push("--host-bin", "bench/agent-host.ts", "--profile", "lan", "--runs", "1", "--idle", "1");
    args.push("--settle", "300", "--timeout", "15", "--no-netns", "--quiet", "--out", out, "--name", "h");
    await run(process.execPath, args, { cwd: ROOT, timeout: 60_000 });
    const doc = JSON.parse(readFileSync(join(out, "h.json"), "utf8")) as Doc;
    const shoal = doc.settings[0]?.shoal;
    expect(shoal?.trials[0]?.hosts).toMatchObject({ processes: 3, agentsPerProcess: 10 });
    expect(shoal?.scenarios.formation?.reached).toEqual(["20/20"]);
    expect(shoal?.scenarios.join?.reached).toEqual(["20/20"]);
    expect(shoal?.scenarios.event?.reached).toEqual(["21/21"]);
    expect(shoal?.scenarios.failure?.reached).toEqual(["20/20"]);
    expect(shoal?.scenarios.event?.t100Ms.median).not.toBeNull();
  }, 90_000);
});
