/**
 * Writes a convergence benchmark's results: the JSON document with every figure, a Markdown
 * summary, and one SVG per setting with each implementation's measured user-event curve next
 * to Serf's logistic model (the simulator's SVG writer).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { modelCurve } from "../../src/swim/sim/model.js";
import { renderConvergenceSvg, type ChartSeries } from "../../src/swim/sim/svg.js";
import type { Figure, ImplementationFigures, ModelFigures } from "./aggregate.js";
import { SCENARIOS, type Scenario, type TrialResult } from "./trial.js";

/** One setting's results. */
export interface SettingResult {
  /** `lan`, `local`, or `lan f3 i200ms` for a sweep point. */
  readonly label: string;
  readonly nodes: number;
  readonly model: ModelFigures;
  readonly shoal: ImplementationFigures;
  readonly serf?: ImplementationFigures;
  /** Per scenario: Shoal t100 / Serf t100 (medians), when Serf ran. */
  readonly shoalVsSerf?: Readonly<Record<Scenario, number | null>>;
  /** Shoal bytes/node/s over Serf's. */
  readonly bytesVsSerf?: number | null;
  /** Shoal's user-event t99 over the model's t99. */
  readonly eventT99VsModel: number | null;
}

/** The whole document. */
export interface BenchDocument {
  readonly command: string;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memoryGb: number;
    readonly node: string;
  };
  readonly startedAt: string;
  readonly wallSeconds: number;
  readonly traffic: string;
  readonly settings: readonly SettingResult[];
}

const SCENARIO_TITLES: Record<Scenario, string> = {
  formation: "join storm (from last spawn)",
  formationReady: "join storm (from last agent running)",
  join: "node join",
  event: "user event",
  publish: "service registered (Shoal only)",
  tags: "tag update",
  failure: "node killed (kill -9)",
  leave: "graceful leave",
};

function ms(f: Figure | undefined): string {
  if (f === undefined || f.median === null) return "–";
  const spread =
    f.min !== null && f.max !== null && f.min !== f.max ? ` (${f.min.toFixed(0)}–${f.max.toFixed(0)})` : "";
  return `${f.median.toFixed(0)}${spread}`;
}

function x(r: number | null | undefined): string {
  return r === null || r === undefined ? "–" : `${r.toFixed(2)}×`;
}

/** The Markdown summary (also printed at the end of a run). */
export function markdown(doc: BenchDocument): string {
  const lines: string[] = [];
  lines.push(`# Convergence benchmark`, "");
  lines.push(`Command: \`${doc.command}\``, "");
  lines.push(
    `Machine: ${doc.machine.cpus} cores (${doc.machine.cpuModel}), ${doc.machine.memoryGb} GB, Node ${doc.machine.node}; ` +
      `started ${doc.startedAt}, took ${doc.wallSeconds.toFixed(0)} s. Traffic: ${doc.traffic}.`,
    "",
  );
  lines.push("Times in ms: median of runs (min–max). t99 of 50 agents is the 50th agent, i.e. t100.", "");
  for (const s of doc.settings) {
    lines.push(
      `## ${s.label}, ${s.nodes} nodes (model: fanout ${s.model.fanout}, ${s.model.intervalMs} ms)`,
      "",
    );
    const impls: [string, ImplementationFigures | undefined][] = [
      ["Shoal", s.shoal],
      ["Serf", s.serf],
    ];
    lines.push("| scenario | impl | t50 | t99 | t100 | reached | Shoal/Serf t100 |");
    lines.push("| --- | --- | ---: | ---: | ---: | --- | ---: |");
    for (const sc of SCENARIOS) {
      for (const [name, f] of impls) {
        if (f === undefined) continue;
        const fig = f.scenarios[sc];
        const r = name === "Shoal" && s.shoalVsSerf !== undefined ? x(s.shoalVsSerf[sc]) : "";
        lines.push(
          `| ${SCENARIO_TITLES[sc]} | ${name} | ${ms(fig.t50Ms)} | ${ms(fig.t99Ms)} | ${ms(fig.t100Ms)} | ${fig.reached.join(", ")} | ${r} |`,
        );
      }
    }
    lines.push(`| user event | model | ${s.model.t50Ms} | ${s.model.t99Ms} | | | |`, "");
    lines.push("| idle | impl | gossip B/node/s | UDP | TCP | CPU %/agent | RSS MB/agent (max) |");
    lines.push("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
    for (const [name, f] of impls) {
      if (f === undefined) continue;
      const i = f.idle;
      lines.push(
        `| ${(i.windowMs.median ?? 0) / 1000} s | ${name} | ${ms(i.bytesPerNodePerSec)} | ${ms(i.udpBytesPerNodePerSec)} | ${ms(i.tcpBytesPerNodePerSec)} | ${i.cpuPercentPerAgent.median?.toFixed(2) ?? "–"} | ${i.rssMbPerAgent.median?.toFixed(1) ?? "–"} (${i.rssMbMax.median?.toFixed(1) ?? "–"}) |`,
      );
    }
    lines.push("");
    for (const [name, f] of impls) {
      if (f !== undefined) lines.push(...formationLines(name, f), ...failureLines(name, f));
    }
    lines.push(...hostLines(s.shoal));
    const extra: string[] = [`Shoal user-event t99 / model t99: ${x(s.eventT99VsModel)}`];
    if (s.bytesVsSerf !== undefined) extra.push(`Shoal/Serf bytes per node per second: ${x(s.bytesVsSerf)}`);
    lines.push(extra.join("; "), "");
  }
  return lines.join("\n");
}

function seconds(ms: number | null): string {
  return ms === null ? "–" : `${(ms / 1000).toFixed(2)} s`;
}

/** One line: "<impl> <what>, per run: run 1: ...; run 2: ...", from the runs `describe` covers. */
function perRunLine(
  name: string,
  what: string,
  f: ImplementationFigures,
  describe: (trial: TrialResult) => string | undefined,
): string[] {
  const runs = f.trials.flatMap((t, i) => {
    const text = describe(t);
    return text === undefined ? [] : [`run ${i + 1}: ${text}`];
  });
  return runs.length === 0 ? [] : [`${name} ${what}, per run: ${runs.join("; ")}.`, ""];
}

/** Where the join storm's time went (process agents only). */
function formationLines(name: string, f: ImplementationFigures): string[] {
  return perRunLine(name, "join storm", f, ({ formationDetail: d }) =>
    d === undefined
      ? undefined
      : `last agent running ${seconds(d.lastReadyMs)} after the last spawn, last retry-join done ` +
        `${seconds(d.lastJoinedMs)}, median running → joined ${seconds(d.readyToJoinedMedianMs)}, ` +
        `${d.failedProbes} failed probes, ${d.falseFailures} false failures` +
        (d.slowest === undefined
          ? ""
          : `, last learned: ${d.slowest.agent} of ${d.slowest.member} ${seconds(d.slowest.afterReadyMs)} after the last running`),
  );
}

/** How the kill -9 scenario's first `failed` came about (process agents only). */
function failureLines(name: string, f: ImplementationFigures): string[] {
  return perRunLine(name, "kill -9", f, ({ failureDetail: d }) =>
    d === undefined
      ? undefined
      : `first failed probe ${seconds(d.firstSuspectMs)}, first \`failed\` ${seconds(d.firstFailedMs)}, ` +
        `${d.suspectersBeforeFailed} agents' probes failed before it`,
  );
}

/** How hosted agents ran, and what their hosts counted (nothing when one agent per process). */
function hostLines(f: ImplementationFigures): string[] {
  const first = f.trials[0]?.hosts;
  if (first === undefined) return [];
  const lines = [
    `Shoal agents ran ${first.agentsPerProcess} per process (${first.processes} processes, \`bench/agent-host.ts\`; ` +
      "the seed, node 0, alone in the first): " +
      "each its own UDP + TCP socket, real runtime and memberlist/Serf core; no HTTP API, no catalog " +
      "layer (so no service scenario), events recorded in-process. RSS and CPU per agent are the " +
      "processes' totals divided by the agents.",
    "",
    "| run | phase | suspect events | failed events | refutations | join retries | UDP rcvbuf drops | loop delay max / p99 (ms) | Lifeguard delay max (ms) | alive view min / median / max | runtime B/node/s | RSS MB/process |",
    "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  f.trials.forEach((t, i) => {
    const h = t.hosts;
    if (h === undefined) return;
    for (const [phase, c] of [
      ["join storm", h.afterFormation],
      ["end (idle window)", h.afterIdle],
    ] as const) {
      const tail =
        phase === "join storm"
          ? "| | |"
          : `| ${h.runtimeBytesPerNodePerSec.toFixed(0)} | ${h.rssMbPerProcess.toFixed(0)} |`;
      lines.push(
        `| ${i + 1} | ${phase} | ${c.suspectEvents} | ${c.failedEvents} | ${c.refutations} | ${c.joinRetries} | ${c.udpRcvbufErrors} | ` +
          `${c.loopDelayMaxMs.toFixed(0)} / ${c.loopDelayP99Ms.toFixed(0)} | ${c.runtimeLoopDelayMaxMs.toFixed(0)} | ` +
          `${c.aliveViewMin} / ${c.aliveViewMedian} / ${c.aliveViewMax} ${tail}`,
      );
    }
  });
  lines.push("");
  return lines;
}

/** The compact summary table printed at the end of a run. */
export function summaryTable(doc: BenchDocument): string {
  const rows = [["setting", "scenario", "Shoal t100", "Serf t100", "ratio", "model t99"]];
  for (const s of doc.settings) {
    for (const sc of SCENARIOS) {
      rows.push([
        s.label,
        sc,
        ms(s.shoal.scenarios[sc].t100Ms),
        ms(s.serf?.scenarios[sc].t100Ms),
        x(s.shoalVsSerf?.[sc]),
        sc === "event" ? String(s.model.t99Ms) : "",
      ]);
    }
    rows.push([
      s.label,
      "bytes/node/s",
      ms(s.shoal.idle.bytesPerNodePerSec),
      ms(s.serf?.idle.bytesPerNodePerSec),
      x(s.bytesVsSerf),
      "",
    ]);
  }
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length))) ?? [];
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join("  ")).join("\n");
}

function curveSeries(label: string, f: ImplementationFigures, color: string): ChartSeries {
  const fig = f.scenarios.event;
  const c = f.trials[fig.curveRun]?.curves.event;
  const points = [{ xMs: 0, y: 0 }];
  c?.delaysMs.forEach((d, i) => points.push({ xMs: d, y: (i + 1) / c.total }));
  return { label, color, step: true, points };
}

/** The SVG of one setting: measured user-event curves and the model. */
export function settingSvg(s: SettingResult): string {
  const series: ChartSeries[] = [curveSeries(`Shoal (user event, median run)`, s.shoal, "#1f77b4")];
  if (s.serf !== undefined)
    series.push(curveSeries("Serf 0.8.2 (user event, median run)", s.serf, "#2ca02c"));
  series.push({
    label: "Serf model (logistic)",
    color: "#d62728",
    dashed: true,
    points: modelCurve({ nodes: s.nodes, fanout: s.model.fanout, intervalMs: s.model.intervalMs }).map(
      (p) => ({
        xMs: p.timeMs,
        y: p.fraction,
      }),
    ),
  });
  return renderConvergenceSvg({ title: `${s.nodes} nodes, ${s.label}: user event reaching agents`, series });
}

/** Writes `<base>.json`, `<base>.md` and one SVG per setting into `dir`; returns the paths. */
export function writeReport(doc: BenchDocument, dir: string, base: string, jsonFile?: string): string[] {
  mkdirSync(dir, { recursive: true });
  const json = jsonFile ?? join(dir, `${base}.json`);
  const md = join(dir, `${base}.md`);
  // Trials keep every per-agent delay, which is what a reader re-deriving a figure needs.
  writeFileSync(json, `${JSON.stringify(doc, null, 2)}\n`);
  writeFileSync(md, `${markdown(doc)}\n`);
  const written = [json, md];
  for (const s of doc.settings) {
    const svg = join(dir, `${base}-${s.label.replace(/[^a-z0-9]+/gi, "-")}.svg`);
    writeFileSync(svg, settingSvg(s));
    written.push(svg);
  }
  return written;
}
