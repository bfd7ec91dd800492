/**
 * `npm run bench:convergence -- --nodes 50 [--fanout 1,2,3,4,6 --interval 50,100,200,500]
 *   [--profile lan,wan,local] [--compare serf] [--runs 3] [--idle 60] [--json FILE]`
 *
 * Real agents as processes on 127.0.0.1, measured the way /work/shared/BENCH-METHOD.md says
 * Serf was: inside a private network namespace with nftables byte counters, times from the
 * agents' own log lines. Profiles run Shoal (and with `--compare serf` the real `serf agent`,
 * in the same invocation) `--runs` times and report medians; `--fanout` x `--interval` is a
 * Shoal-only sweep (Serf exposes only its profiles), each point against Serf's model.
 *
 * `--per-process K` (default: 1 below 200 nodes, N / cores from 200 up) runs K Shoal agents in each
 * process (`bench/agent-host.ts`: the real runtime and protocol core on real sockets, without
 * HTTP and catalog), so 1,000 agents fit on two cores; see `lib/hosts.ts`. With hosts,
 * `--start-rate R` starts R agents per second instead of all at once.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { PROFILE_PRESETS } from "../src/swim/core/config.js";
import { implementation, type BenchProfile, type GossipSettings } from "./lib/agents.js";
import { aggregate, modelFor, ratio } from "./lib/aggregate.js";
import { Progress } from "./lib/progress.js";
import { markdown, summaryTable, writeReport, type BenchDocument, type SettingResult } from "./lib/report.js";
import { runHostTrial } from "./lib/hosts.js";
import { SCENARIOS, runTrial, type TrialResult } from "./lib/trial.js";
import { TrafficCounters } from "./lib/traffic.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Fanout and gossip interval of a profile, as the model needs them (from the preset itself). */
function profileTiming(profile: BenchProfile): { fanout: number; intervalMs: number } {
  const preset = PROFILE_PRESETS[profile]();
  return { fanout: preset.gossipNodes, intervalMs: preset.gossipIntervalMs };
}

function list(text: string | undefined, flag: string): number[] {
  if (text === undefined || text === "") return [];
  return text.split(",").map((v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag}: "${v}" is not a positive number`);
    return n;
  });
}

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: "50" },
    fanout: { type: "string" },
    interval: { type: "string" },
    profile: { type: "string", default: "lan" },
    compare: { type: "string" },
    runs: { type: "string", default: "3" },
    "sweep-runs": { type: "string", default: "1" },
    idle: { type: "string", default: "60" },
    settle: { type: "string", default: "3000" },
    timeout: { type: "string", default: "60" },
    json: { type: "string" },
    out: { type: "string", default: `${ROOT}bench/results` },
    name: { type: "string", default: "convergence" },
    "shoal-bin": { type: "string" },
    "per-process": { type: "string", default: "auto" },
    "start-rate": { type: "string", default: "0" },
    "host-bin": { type: "string" },
    "serf-bin": { type: "string", default: "/usr/bin/serf" },
    "no-netns": { type: "boolean", default: false },
    quiet: { type: "boolean", default: false },
  },
});

/** Re-runs this command inside a private network namespace (BENCH-METHOD), if we can. */
function reexecInNetns(): boolean {
  if (values["no-netns"] || process.env.SHOAL_BENCH_IN_NETNS === "1" || process.getuid?.() !== 0)
    return false;
  const probe = spawnSync("unshare", ["--net", "true"]);
  if (probe.status !== 0) return false;
  const result = spawnSync(
    "unshare",
    [
      "--net",
      "--",
      "sh",
      "-c",
      'ip link set lo up && exec "$0" "$@"',
      process.execPath,
      ...process.execArgv,
      fileURLToPath(import.meta.url),
      ...process.argv.slice(2),
    ],
    { stdio: "inherit", env: { ...process.env, SHOAL_BENCH_IN_NETNS: "1" } },
  );
  process.exitCode = result.status ?? 1;
  return true;
}

/**
 * The agent as installed (no tsx in the measured processes): compiled into
 * bench/results/tmp/build, then bundled as `npm run build` does, so start-up is measured as
 * users get it.
 */
function shoalEntry(): string {
  if (values["shoal-bin"] !== undefined) return values["shoal-bin"];
  const out = `${ROOT}bench/results/tmp/build`;
  if (!values.quiet) process.stderr.write("building shoal into bench/results/tmp/build ...\n");
  execFileSync(
    process.execPath,
    [`${ROOT}node_modules/typescript/bin/tsc`, "-p", `${ROOT}tsconfig.build.json`, "--outDir", out],
    { stdio: "inherit" },
  );
  execFileSync(process.execPath, [`${ROOT}scripts/bundle.mjs`, out], { stdio: "inherit" });
  return `${out}/bundle/shoal.mjs`;
}

/** The compiled multi-agent host, built into bench/results/tmp/host-build (or `--host-bin`). */
function hostEntry(): string {
  if (values["host-bin"] !== undefined) return values["host-bin"];
  const out = `${ROOT}bench/results/tmp/host-build`;
  if (!values.quiet) process.stderr.write("building the agent host into bench/results/tmp/host-build ...\n");
  execFileSync(
    process.execPath,
    [`${ROOT}node_modules/typescript/bin/tsc`, "-p", `${ROOT}bench/tsconfig.host.json`, "--outDir", out],
    { stdio: "inherit" },
  );
  return `${out}/bench/agent-host.js`;
}

/**
 * Agents per process: `--per-process`, or 1 below 200 nodes and from 200 up one process per
 * core. Measured (bench/README.md): 500 agents in 10 processes of 50 did not form (the seed's
 * process got a tenth of the CPU while 499 joins went through it), in 2 of 250 they got further.
 */
function agentsPerProcess(nodes: number): number {
  const v = values["per-process"] ?? "auto";
  if (v === "auto") return nodes >= 200 ? Math.ceil(nodes / cpus().length) : 1;
  const k = Number(v);
  if (!Number.isInteger(k) || k < 1) throw new Error(`--per-process: "${v}" is not a positive integer`);
  return k;
}

async function main(): Promise<void> {
  if (reexecInNetns()) return;
  const started = Date.now();
  const nodes = Number(values.nodes);
  const runs = Number(values.runs);
  const sweepRuns = Number(values["sweep-runs"]);
  const fanouts = list(values.fanout, "--fanout");
  const intervals = list(values.interval, "--interval");
  const profiles = (values.profile ?? "lan").split(",").filter((p) => p !== "") as BenchProfile[];
  const compare = values.compare === "serf";
  if (values.compare !== undefined && !compare) throw new Error(`--compare: only "serf" is supported`);
  for (const p of profiles)
    if (!(p in PROFILE_PRESETS)) throw new Error(`--profile: unknown profile ${String(p)}`);

  const plan: {
    label: string;
    settings: GossipSettings;
    fanout: number;
    intervalMs: number;
    impls: ("shoal" | "serf")[];
    runs: number;
  }[] = [];
  if (fanouts.length === 0 && intervals.length === 0) {
    for (const profile of profiles) {
      plan.push({
        label: profile,
        settings: { profile },
        ...profileTiming(profile),
        impls: compare ? ["shoal", "serf"] : ["shoal"],
        runs,
      });
    }
  } else {
    if (compare) {
      for (const profile of profiles) {
        plan.push({
          label: profile,
          settings: { profile },
          ...profileTiming(profile),
          impls: ["shoal", "serf"],
          runs,
        });
      }
    }
    for (const fanout of fanouts.length > 0 ? fanouts : [3]) {
      for (const intervalMs of intervals.length > 0 ? intervals : [200]) {
        plan.push({
          label: `lan f${fanout} i${intervalMs}ms`,
          settings: { profile: "lan", fanout, intervalMs },
          fanout,
          intervalMs,
          impls: ["shoal"],
          runs: sweepRuns,
        });
      }
    }
  }

  const perProcess = agentsPerProcess(nodes);
  if (perProcess > 1 && compare)
    throw new Error(
      "--compare serf runs one process per agent: use --per-process 1 (or fewer than 200 nodes)",
    );
  const entry = perProcess > 1 ? hostEntry() : shoalEntry();
  const traffic = TrafficCounters.install();
  const totalTrials = plan.reduce((s, p) => s + p.impls.length * p.runs, 0);
  const progress = new Progress(totalTrials, !values.quiet);
  const settingResults: SettingResult[] = [];
  let trialNo = 0;
  try {
    for (const p of plan) {
      const byImpl = new Map<string, TrialResult[]>();
      for (let run = 0; run < p.runs; run++) {
        // Alternate which implementation goes first, so neither always runs on a warmer machine.
        const order = run % 2 === 0 ? p.impls : [...p.impls].reverse();
        for (const name of order) {
          const portBase = 21_000 + (trialNo % 9) * 200;
          trialNo++;
          const trialOptions = {
            nodes,
            formTimeoutMs: Number(values.timeout) * 2_000,
            scenarioTimeoutMs: Number(values.timeout) * 1_000,
            settleMs: Number(values.settle),
            idleMs: Number(values.idle) * 1_000,
            onPhase: (phase: string) =>
              progress.step(`${p.label} ${name} run ${run + 1}/${p.runs}: ${phase}`),
          };
          const result =
            perProcess > 1
              ? await runHostTrial(
                  {
                    entry,
                    perProcess,
                    startRate: Number(values["start-rate"]),
                    config: { ...p.settings, portBase, retryIntervalMs: 1_000 },
                  },
                  traffic,
                  trialOptions,
                )
              : await runTrial(
                  implementation(name, {
                    settings: p.settings,
                    portBase,
                    shoalEntry: entry,
                    serfBinary: values["serf-bin"] ?? "/usr/bin/serf",
                  }),
                  traffic,
                  trialOptions,
                );
          progress.tick();
          byImpl.set(name, [...(byImpl.get(name) ?? []), result]);
        }
      }
      const shoal = aggregate(byImpl.get("shoal") ?? []);
      const serfTrials = byImpl.get("serf");
      const serf = serfTrials === undefined ? undefined : aggregate(serfTrials);
      const model = modelFor(nodes, p.fanout, p.intervalMs);
      const eventT99 = shoal.scenarios.event.t99Ms.median;
      settingResults.push({
        label: p.label,
        nodes,
        model,
        shoal,
        ...(serf === undefined
          ? {}
          : {
              serf,
              shoalVsSerf: Object.fromEntries(
                SCENARIOS.map((s) => [s, ratio(shoal.scenarios[s].t100Ms, serf.scenarios[s].t100Ms)]),
              ) as Record<(typeof SCENARIOS)[number], number | null>,
              bytesVsSerf: ratio(shoal.idle.bytesPerNodePerSec, serf.idle.bytesPerNodePerSec),
            }),
        eventT99VsModel: eventT99 === null ? null : eventT99 / model.t99Ms,
      });
    }
  } finally {
    progress.finish();
    traffic.remove();
  }
  const cpu = cpus();
  const doc: BenchDocument = {
    command: `npm run bench:convergence -- ${process.argv.slice(2).join(" ")}`,
    machine: {
      cpus: cpu.length,
      cpuModel: cpu[0]?.model ?? "unknown",
      memoryGb: Math.round(totalmem() / 1024 ** 3),
      node: process.version,
    },
    startedAt: new Date(started).toISOString(),
    wallSeconds: (Date.now() - started) / 1000,
    traffic: traffic.split
      ? "private network namespace, nftables output counters (IP bytes incl. headers)"
      : "loopback interface tx bytes (not isolated: includes other local traffic)",
    settings: settingResults,
  };
  const written = writeReport(
    doc,
    values.out ?? `${ROOT}bench/results`,
    values.name ?? "convergence",
    values.json,
  );
  if (!values.quiet) process.stdout.write(`${markdown(doc)}\n`);
  process.stdout.write(`${summaryTable(doc)}\n\nwrote ${written.join(", ")}\n`);
}

await main();
