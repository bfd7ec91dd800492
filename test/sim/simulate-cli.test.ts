/**
 * `shoal simulate` run in-process: the JSON document, the model's numbers (PROTOCOL.md 4.3,
 * page defaults: 0.2 s, fanout 3, 30 nodes → 0.6 / 1.2 / 1.8 s), the text report, the SVG,
 * flag errors (one line naming the flag, exit 2) and failed runs (seed and replay line, exit 1).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/agent/cli/dispatch.js";
import { runSimulate } from "../../src/agent/cli/simulate.js";
import type { SimulateHooks } from "../../src/agent/cli/simulate.js";
import type { Directive } from "../../src/swim/core/api.js";
import { realNodeFactory } from "../../src/swim/sim/real-node.js";
import type { NodeFactory } from "../../src/swim/sim/simulator.js";
import { replayHint, simSeed } from "./sim-seed.js";

const FILE = "test/sim/simulate-cli.test.ts";
const seed = simSeed(9);
const hint = replayHint(seed, FILE);

/** The parts of the `--json` document this test reads. */
interface SimulateDoc {
  t50Ms: number;
  t99Ms: number;
  t100Ms: number | null;
  bytesPerNodePerSec: number;
  bytesSentReceivedPerNodePerSec: number;
  falsePositives: number;
  seed: number;
  model: Record<string, number>;
  settings: Record<string, unknown>;
  curve: { timeMs: number; fraction: number }[];
}

function capture(
  args: readonly string[],
  hooks: SimulateHooks = {},
): { code: number; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const code = runSimulate(args, { out: (l) => out.push(l), err: (l) => err.push(l) }, hooks);
  return { code, out, err };
}

/**
 * The real node, except that node 1 reports a refutation that does not raise its incarnation
 * at its first timer after 1 s: a protocol bug the simulator's invariant checker must catch.
 */
const nodeWithBrokenRefutation: NodeFactory = (args) => {
  const node = realNodeFactory(args);
  if (args.index !== 1) return node;
  let broken = false;
  return new Proxy(node, {
    get(target, key) {
      if (key === "onTimer") {
        return (nowMs: number): readonly Directive[] => {
          const out = target.onTimer(nowMs);
          if (broken || nowMs < 1_000) return out;
          broken = true;
          return [...out, { kind: "event", event: { kind: "refuted", incarnation: 0 } }];
        };
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
};

describe("shoal simulate", () => {
  it("--json prints one object with the measured and model numbers; --svg writes the chart", () => {
    const dir = mkdtempSync(join(tmpdir(), "shoal-sim-"));
    try {
      const svgPath = join(dir, "curve.svg");
      const { code, out, err } = capture([
        "--nodes",
        "30",
        "--fanout",
        "3",
        "--interval",
        "200",
        "--seed",
        String(seed),
        "--json",
        "--svg",
        svgPath,
      ]);
      expect(err, hint).toEqual([]);
      expect(code).toBe(0);
      expect(out).toHaveLength(1);
      const doc = JSON.parse(out[0]!) as SimulateDoc;
      for (const key of [
        "t50Ms",
        "t99Ms",
        "t100Ms",
        "bytesPerNodePerSec",
        "bytesSentReceivedPerNodePerSec",
        "falsePositives",
        "model",
        "curve",
        "seed",
        "settings",
      ]) {
        expect(doc, key).toHaveProperty(key);
      }
      expect(doc.model).toMatchObject({ t50Ms: 600, t99Ms: 1200, t9999Ms: 1800, bandwidthKbps: 328.1 });
      expect(doc.seed).toBe(seed);
      expect(doc.settings).toMatchObject({ nodes: 30, fanout: 3, intervalMs: 200, loss: 0, failed: 0 });
      expect(typeof doc.t100Ms, hint).toBe("number");
      expect(doc.t50Ms).toBeLessThanOrEqual(doc.t99Ms);
      expect(doc.t99Ms).toBeLessThanOrEqual(doc.t100Ms!);
      expect(doc.bytesPerNodePerSec).toBeGreaterThan(0);
      // bytesPerNodePerSec is what each node sends; the combined figure adds what it receives.
      // Without loss every datagram sent to a live node is received, so it is about twice as big.
      expect(doc.bytesSentReceivedPerNodePerSec).toBeGreaterThan(1.9 * doc.bytesPerNodePerSec);
      expect(doc.bytesSentReceivedPerNodePerSec).toBeLessThanOrEqual(2 * doc.bytesPerNodePerSec);
      expect(doc.falsePositives).toBe(0);
      expect(doc.curve.at(-1)!.fraction).toBe(1);
      const svg = readFileSync(svgPath, "utf8");
      expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
      expect(svg).toContain("Serf model");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("prints a text report with the curve and the model beside it", () => {
    const { code, out } = capture([
      "--nodes",
      "10",
      "--interval",
      "100",
      "--loss",
      "5",
      "--seed",
      String(seed),
    ]);
    expect(code, hint).toBe(0);
    const text = out.join("\n");
    expect(text).toContain("measured: t50");
    expect(text).toContain("model:    t50");
    expect(text).toContain("false failure detections: 0");
    expect(text).toMatch(/bandwidth: \d+ B\/node\/s UDP sent .*; sent\+received \d+ B\/node\/s/);
    expect(text).toMatch(/0\.10s {2}[#.]{30}/);
  });

  it("rejects bad flags with one line naming the flag and exit code 2", () => {
    for (const [args, flag] of [
      [["--nodes", "abc"], "--nodes"],
      [["--nodes", "1"], "--nodes"],
      [["--fanout", "2.5"], "--fanout"],
      [["--loss", "150"], "--loss"],
      [["--update", "sideways"], "--update"],
      [["--formation", "instant"], "--formation"],
      [["--bogus"], "--bogus"],
      [["--interval"], "--interval"],
    ] as const) {
      const { code, out, err } = capture(args);
      expect(code, args.join(" ")).toBe(2);
      expect(out).toEqual([]);
      expect(err).toHaveLength(1);
      expect(err[0]).toContain(flag);
    }
  });

  it("a failed run prints the seed and a replay command line, and exits 1", () => {
    const args = ["--nodes", "8", "--interval", "100", "--seed", String(seed), "--json"];
    const { code, out, err } = capture(args, { createNode: nodeWithBrokenRefutation });
    expect(code, hint).toBe(1);
    expect(out).toEqual([]);
    expect(err[0]).toMatch(/^shoal simulate: the run failed: invariant violated .*refutation did not raise/);
    expect(err).toContain(`seed: ${seed}`);
    const replay = err.find((line) => line.startsWith("replay: "));
    expect(replay).toBe(
      `replay: shoal simulate --nodes 8 --fanout 3 --interval 100 --loss 0 --failed 0 ` +
        `--update event --formation formed --seed ${seed}`,
    );
    // The replay line is a valid command: run again from it, it fails the same way.
    const again = capture(replay!.slice("replay: shoal simulate ".length).split(" "), {
      createNode: nodeWithBrokenRefutation,
    });
    expect(again.code).toBe(1);
    expect(again.err).toEqual(err);
  });

  it("is wired into the shoal dispatch table", async () => {
    const logs: string[] = [];
    const original = console.log;
    console.log = (line: string) => logs.push(line);
    try {
      expect(await runCli(["simulate", "--help"])).toBe(0);
    } finally {
      console.log = original;
    }
    expect(logs.join("\n")).toContain("usage: shoal simulate");
  });
});
