/**
 * `shoal simulate`: Serf's convergence simulator, answered by running the real protocol in the
 * deterministic simulator (src/swim/sim) and printed beside Serf's logistic model.
 *
 *   shoal simulate --nodes N --fanout F --interval MS [--loss PCT] [--failed PCT]
 *                  [--seed S] [--update event|join] [--formation formed|joins] [--json] [--svg FILE]
 *
 * `--formation formed` (the default) starts the cluster formed and quiet, the state Serf's
 * model assumes; `joins` forms it by a real join storm first (CPU grows with N²).
 *
 * Exit codes: 0 success, 1 the run failed (e.g. an invariant broke: the seed and a command line
 * that replays the run go to stderr), 2 bad flags.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { ConvergenceResult, Formation, UpdateKind } from "../../swim/sim/convergence.js";
import { runConvergence } from "../../swim/sim/convergence.js";
import { realNodeFactory } from "../../swim/sim/real-node.js";
import type { NodeFactory } from "../../swim/sim/simulator.js";
import { renderConvergenceSvg } from "../../swim/sim/svg.js";
import type { Subcommand } from "./dispatch.js";

/** Where the command writes; the CLI uses the console, tests capture lines. */
export interface SimulateIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** Default seed, so that two runs with the same flags print the same numbers. */
export const DEFAULT_SIMULATE_SEED = 1;

/** One-line usage. */
export const SIMULATE_USAGE =
  "usage: shoal simulate --nodes N --fanout F --interval MS [--loss PCT] [--failed PCT] [--seed S] " +
  "[--update event|join] [--formation formed|joins] [--json] [--svg FILE]";

/** Validated settings of one `simulate` run. */
export interface SimulateSettings {
  readonly nodes: number;
  readonly fanout: number;
  readonly intervalMs: number;
  /** Percent, 0..100. */
  readonly lossPct: number;
  /** Percent, 0..100. */
  readonly failedPct: number;
  readonly seed: number;
  readonly update: UpdateKind;
  readonly formation: Formation;
  readonly json: boolean;
  readonly svg: string | undefined;
  /** `--help`: print usage and exit 0. */
  readonly help: boolean;
}

/** Thrown for a bad flag; the message names the flag. */
export class UsageError extends Error {}

/** Parses and validates the arguments; throws {@link UsageError} naming the offending flag. */
export function parseSimulateArgs(args: readonly string[]): SimulateSettings {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        nodes: { type: "string", default: "30" },
        fanout: { type: "string", default: "3" },
        interval: { type: "string", default: "200" },
        loss: { type: "string", default: "0" },
        failed: { type: "string", default: "0" },
        seed: { type: "string", default: String(DEFAULT_SIMULATE_SEED) },
        update: { type: "string", default: "event" },
        formation: { type: "string", default: "formed" },
        json: { type: "boolean", default: false },
        svg: { type: "string" },
        help: { type: "boolean", default: false },
      },
    }));
  } catch (error) {
    // parseArgs names the flag ("Unknown option '--x'", "Option '--nodes <value>' argument missing").
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const update = values.update;
  if (update !== "event" && update !== "join") {
    throw new UsageError(`--update must be "event" or "join" (got "${update}")`);
  }
  const formation = values.formation;
  if (formation !== "formed" && formation !== "joins") {
    throw new UsageError(`--formation must be "formed" or "joins" (got "${formation}")`);
  }
  if (values.svg === "") throw new UsageError("--svg needs a file name");
  return {
    nodes: integerFlag("--nodes", values.nodes, 2, 100_000),
    fanout: integerFlag("--fanout", values.fanout, 1, 1_000),
    intervalMs: numberFlag("--interval", values.interval, 1, 3_600_000),
    lossPct: numberFlag("--loss", values.loss, 0, 99),
    failedPct: numberFlag("--failed", values.failed, 0, 99),
    seed: integerFlag("--seed", values.seed, 0, 0xffffffff),
    update: update === "event" ? "userEvent" : "join",
    formation,
    json: values.json,
    svg: values.svg,
    help: values.help,
  };
}

function numberFlag(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`${flag} must be a number from ${min} to ${max} (got "${text}")`);
  }
  return value;
}

function integerFlag(flag: string, text: string, min: number, max: number): number {
  const value = numberFlag(flag, text, min, max);
  if (!Number.isInteger(value)) throw new UsageError(`${flag} must be an integer (got "${text}")`);
  return value;
}

/** The JSON document `--json` prints. */
export function simulateJson(result: ConvergenceResult, wallMs: number): Record<string, unknown> {
  return {
    seed: result.seed,
    settings: result.settings,
    t50Ms: result.t50Ms,
    t99Ms: result.t99Ms,
    t100Ms: result.t100Ms,
    bytesPerNodePerSec: round(result.bytesPerNodePerSec, 1),
    bytesSentReceivedPerNodePerSec: round(result.bytesSentReceivedPerNodePerSec, 1),
    packetsPerNodePerSec: round(result.packetsPerNodePerSec, 2),
    streamBytesPerNodePerSec: round(result.streamBytesPerNodePerSec, 1),
    windowMs: result.windowMs,
    falsePositives: result.falsePositives,
    liveNodes: result.liveNodes,
    reached: result.reached,
    t0Ms: result.t0Ms,
    model: {
      t50Ms: result.model.t50Ms,
      t99Ms: result.model.t99Ms,
      t9999Ms: result.model.t9999Ms,
      bandwidthBytesPerSec: result.model.bandwidthBytesPerSec,
      bandwidthKbps: result.model.bandwidthKbps,
    },
    curve: result.curve.map((p) => ({ timeMs: round(p.timeMs, 2), fraction: round(p.fraction, 5) })),
    modelCurve: result.modelCurve.map((p) => ({ timeMs: p.timeMs, fraction: round(p.fraction, 5) })),
    steps: result.steps,
    wallMs: Math.round(wallMs),
  };
}

/** Human-readable report: curve table with bars beside the model, then the summary. */
export function simulateText(result: ConvergenceResult, wallMs: number): string[] {
  const s = result.settings;
  const lines: string[] = [];
  lines.push(
    `Simulated ${s.nodes} nodes, fanout ${s.fanout}, gossip every ${s.intervalMs} ms, ` +
      `loss ${pct(s.loss)}, failed ${pct(s.failed)}, update: ${s.update === "join" ? "a join" : `a ${s.payloadBytes}-byte user event`} (seed ${result.seed})`,
  );
  lines.push("");
  lines.push("   time   measured                                  model");
  const end = Math.max(result.t100Ms ?? result.windowMs, result.model.t9999Ms);
  // One row per gossip round, thinned to at most ~40 rows for slow or lossy runs.
  const rowStep = s.intervalMs * Math.max(1, Math.ceil(end / s.intervalMs / 40));
  for (let t = 0; t <= end + rowStep / 2; t += rowStep) {
    const measured = fractionAt(result.curve, t);
    const model = fractionAt(result.modelCurve, t);
    const bar = "#".repeat(Math.round(measured * 30)).padEnd(30, ".");
    lines.push(
      `${(t / 1000).toFixed(2).padStart(6)}s  ${bar} ${pct(measured).padStart(7)}   ${pct(model).padStart(7)}`,
    );
  }
  lines.push("");
  const ms = (v: number | null): string => (v === null ? "not reached" : `${(v / 1000).toFixed(3)} s`);
  lines.push(
    `measured: t50 ${ms(result.t50Ms)}, t99 ${ms(result.t99Ms)}, t100 ${ms(result.t100Ms)} (${result.reached}/${result.liveNodes} live nodes)`,
  );
  lines.push(
    `model:    t50 ${ms(result.model.t50Ms)}, t99 ${ms(result.model.t99Ms)}, t99.99 ${ms(result.model.t9999Ms)}`,
  );
  const kbps = (bytesPerSec: number): string => `${((bytesPerSec * 8) / 1024).toFixed(1)} kbps`;
  lines.push(
    `bandwidth: ${result.bytesPerNodePerSec.toFixed(0)} B/node/s UDP sent (${kbps(result.bytesPerNodePerSec)}) ` +
      `over ${ms(result.windowMs)}; sent+received ${result.bytesSentReceivedPerNodePerSec.toFixed(0)} B/node/s ` +
      `(${kbps(result.bytesSentReceivedPerNodePerSec)}; model ${result.model.bandwidthKbps} kbps, which counts both ends), ` +
      `TCP sent+received ${result.streamBytesPerNodePerSec.toFixed(0)} B/node/s`,
  );
  lines.push(`false failure detections: ${result.falsePositives}`);
  lines.push(
    `(${result.steps} events, cluster formed in ${(result.t0Ms / 1000).toFixed(1)} s virtual, ${(wallMs / 1000).toFixed(1)} s wall)`,
  );
  return lines;
}

/** Test seams of {@link runSimulate}. */
export interface SimulateHooks {
  /** Builds each simulated node (default: the real core, {@link realNodeFactory}). */
  readonly createNode?: NodeFactory;
}

/**
 * The command line that replays a run: every flag that shapes the simulation, with the seed.
 * (`--json` and `--svg` only change the output, so they are left out.)
 */
export function replayLine(settings: SimulateSettings): string {
  return [
    "shoal simulate",
    `--nodes ${settings.nodes}`,
    `--fanout ${settings.fanout}`,
    `--interval ${settings.intervalMs}`,
    `--loss ${settings.lossPct}`,
    `--failed ${settings.failedPct}`,
    `--update ${settings.update === "join" ? "join" : "event"}`,
    `--formation ${settings.formation}`,
    `--seed ${settings.seed}`,
  ].join(" ");
}

/** Runs `simulate` with explicit output sinks; returns the exit code. */
export function runSimulate(args: readonly string[], io: SimulateIo, hooks: SimulateHooks = {}): number {
  let settings: SimulateSettings;
  try {
    settings = parseSimulateArgs(args);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`shoal simulate: ${error.message}`);
      return 2;
    }
    throw error;
  }
  if (settings.help) {
    io.out(SIMULATE_USAGE);
    return 0;
  }
  // Wall time only measures how long the run took; the simulation itself is virtual-time.
  const started = performance.now();
  let result: ConvergenceResult;
  try {
    ({ result } = runConvergence({
      nodes: settings.nodes,
      fanout: settings.fanout,
      intervalMs: settings.intervalMs,
      loss: settings.lossPct / 100,
      failed: settings.failedPct / 100,
      seed: settings.seed,
      update: settings.update,
      formation: settings.formation,
      createNode: hooks.createNode ?? realNodeFactory,
    }));
  } catch (error) {
    // A broken invariant (or any bug) in a run is only useful with the way to reproduce it:
    // the run is a pure function of the flags and the seed, so this line replays it exactly.
    // An InvariantViolation's own replay hint names a vitest command; keep only its first line.
    const message = error instanceof Error ? error.message : String(error);
    io.err(`shoal simulate: the run failed: ${message.split("\n")[0] ?? message}`);
    io.err(`seed: ${settings.seed}`);
    io.err(`replay: ${replayLine(settings)}`);
    return 1;
  }
  const wallMs = performance.now() - started;
  if (settings.svg !== undefined) {
    writeFileSync(settings.svg, svgFor(result));
  }
  if (settings.json) io.out(JSON.stringify(simulateJson(result, wallMs)));
  else {
    for (const line of simulateText(result, wallMs)) io.out(line);
    if (settings.svg !== undefined) io.out(`wrote ${settings.svg}`);
  }
  return 0;
}

/** The chart `--svg` writes: measured step curve and the model's per-round curve. */
export function svgFor(result: ConvergenceResult): string {
  const s = result.settings;
  return renderConvergenceSvg({
    title: `${s.nodes} nodes, fanout ${s.fanout}, ${s.intervalMs} ms, loss ${pct(s.loss)}, failed ${pct(s.failed)} (seed ${result.seed})`,
    series: [
      {
        label: `Shoal simulator (${s.update === "join" ? "join" : "user event"})`,
        color: "#1f77b4",
        step: true,
        points: result.curve.map((p) => ({ xMs: p.timeMs, y: p.fraction })),
      },
      {
        label: "Serf model (logistic)",
        color: "#d62728",
        dashed: true,
        points: result.modelCurve.map((p) => ({ xMs: p.timeMs, y: p.fraction })),
      },
    ],
  });
}

/** `shoal simulate` as a dispatch-table subcommand. */
export const simulate: Subcommand = (args) =>
  Promise.resolve(
    runSimulate(args, {
      out: (line) => console.log(line),
      err: (line) => console.error(line),
    }),
  );

function fractionAt(curve: readonly { timeMs: number; fraction: number }[], timeMs: number): number {
  let value = 0;
  for (const point of curve) {
    if (point.timeMs > timeMs + 1e-9) break;
    value = point.fraction;
  }
  return value;
}

function pct(fraction: number): string {
  return `${(fraction * 100).toFixed(fraction > 0 && fraction < 0.001 ? 3 : 1)}%`;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
