/**
 * `npm run bench:startup [-- --runs 10 --shoal-bin bin/shoal.js]`
 *
 * Start-up time of `shoal agent`: from spawning the process until its HTTP API answers
 * `/v1/agent/self` (polled every 5 ms), for a single-node agent with its own data directory;
 * and the CPU time (user + system, from /proc) the agent used to get there, which unlike the
 * wall time hardly depends on what else the machine is doing.
 * Each run ends with SIGINT and waits for the exit, so runs do not overlap. Prints the median,
 * minimum and maximum and writes JSON and Markdown into bench/results/. Run it after
 * `npm run build`: bin/shoal.js then starts the bundle, as an installed agent does.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { freeTcpPort } from "../src/tools/free-port.js";
import { cpuSeconds } from "./lib/proc-stats.js";
import { sleep } from "./lib/wait.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "10" },
    "shoal-bin": { type: "string", default: `${ROOT}bin/shoal.js` },
    out: { type: "string", default: `${ROOT}bench/results` },
  },
});

/** One start: wall ms until the HTTP API answered, and the agent's CPU ms by then. */
interface Start {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/** Spawns one agent, measures its start, then stops it. */
async function oneStart(): Promise<Start> {
  const [httpPort, gossipPort] = [await freeTcpPort(), await freeTcpPort()];
  const dataDir = mkdtempSync(join(tmpdir(), "shoal-startup-"));
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      values["shoal-bin"] ?? "",
      "agent",
      "--node",
      "startup",
      "--bind",
      `127.0.0.1:${gossipPort}`,
      "--http-addr",
      `127.0.0.1:${httpPort}`,
      "--data-dir",
      dataDir,
      "--log-level",
      "warn",
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the agent exited with ${child.exitCode}`);
      try {
        if ((await fetch(`http://127.0.0.1:${httpPort}/v1/agent/self`)).ok) {
          const wallMs = performance.now() - started;
          return { wallMs, cpuMs: (cpuSeconds(child.pid ?? 0) ?? NaN) * 1000 };
        }
      } catch {
        // not listening yet
      }
      if (performance.now() - started > 30_000) throw new Error("the agent did not answer within 30 s");
      await sleep(5);
    }
  } finally {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, "SIGINT");
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Median, minimum and maximum, rounded to ms. */
function spread(values: readonly number[]): { median: number; min: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (i: number): number => Math.round(sorted[i] ?? NaN);
  return { median: at(Math.floor((sorted.length - 1) / 2)), min: at(0), max: at(sorted.length - 1) };
}

async function main(): Promise<void> {
  const runs = Number(values.runs);
  const starts: Start[] = [];
  for (let i = 0; i < runs; i++) {
    const start = await oneStart();
    starts.push(start);
    process.stdout.write(
      `run ${i + 1}/${runs}: ${start.wallMs.toFixed(0)} ms (CPU ${start.cpuMs.toFixed(0)} ms)\n`,
    );
  }
  const wall = spread(starts.map((s) => s.wallMs));
  const cpu = spread(starts.map((s) => s.cpuMs));
  const summary = {
    command: `npm run bench:startup -- ${process.argv.slice(2).join(" ")}`.trim(),
    machine: { cpus: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version },
    loadAverageAtEnd: loadavg()[0],
    runs,
    wallMs: wall,
    cpuMs: cpu,
    starts: starts.map((s) => ({ wallMs: Math.round(s.wallMs), cpuMs: Math.round(s.cpuMs) })),
  };
  const line =
    `start-up (spawn to HTTP API answering): median ${wall.median} ms, min ${wall.min}, max ${wall.max}; ` +
    `CPU median ${cpu.median} ms, min ${cpu.min}, max ${cpu.max} (${runs} runs)`;
  console.log(line);
  const out = values.out ?? `${ROOT}bench/results`;
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "startup.json"), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(join(out, "startup.md"), `# Agent start-up\n\n\`${summary.command}\`\n\n${line}\n`);
}

await main();
