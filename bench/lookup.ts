/**
 * `npm run bench:lookup [-- --instances 1000 --per-service 10 --duration 10 --rate 1000]`
 *
 * HTTP lookup throughput and latency of `/v1/health/service/:name?passing` on a real
 * `shoal agent` holding `--instances` registered service instances (`--per-service` per
 * service name, so one lookup returns that many), measured with autocannon, next to a bare
 * fastify route serving the same bytes as the ceiling. Two measurements each: saturation
 * (`--connections` connections, as fast as possible) and a fixed `--rate` req/s for latency.
 * The agent runs with `--log-level warn` (at info it logs every request, an operator's choice,
 * not the lookup path) and `--http-rate-limit 0` (one client sending thousands of requests per
 * second is what the per-client limit exists to refuse).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { renderBarsSvg } from "./lib/bars-svg.js";
import { freeTcpPort } from "../src/tools/free-port.js";
import { Progress } from "./lib/progress.js";
import { waitUntil } from "./lib/wait.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: {
    instances: { type: "string", default: "1000" },
    "per-service": { type: "string", default: "10" },
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "10" },
    rate: { type: "string", default: "1000" },
    "shoal-bin": { type: "string", default: `${ROOT}bin/shoal.js` },
    out: { type: "string", default: `${ROOT}bench/results` },
    name: { type: "string", default: "lookup" },
    json: { type: "string" },
  },
});

const children: ChildProcess[] = [];
function killChildren(): void {
  for (const c of children) {
    if (c.pid === undefined || c.exitCode !== null || c.signalCode !== null) continue;
    try {
      process.kill(c.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}
process.on("exit", killChildren);

async function startAgent(): Promise<number> {
  const port = await freeTcpPort();
  const child = spawn(
    process.execPath,
    [
      values["shoal-bin"] ?? "",
      "agent",
      "--node",
      "lookup",
      "--bind",
      "127.0.0.1:0",
      "--http-addr",
      `127.0.0.1:${port}`,
      "--log-level",
      "warn",
      // The per-client rate limit (default 500/s) would answer most benchmark requests 429.
      "--http-rate-limit",
      "0",
    ],
    { stdio: ["ignore", "inherit", "inherit"] },
  );
  children.push(child);
  const up = await waitUntil(async () => {
    try {
      return (await fetch(`http://127.0.0.1:${port}/v1/status/leader`)).ok;
    } catch {
      return false;
    }
  }, 30_000);
  if (!up) throw new Error("the agent did not start");
  return port;
}

function startBare(body: string): Promise<number> {
  const child = spawn(process.execPath, ["--import", "tsx", `${ROOT}bench/lib/bare-server.ts`], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  children.push(child);
  child.stdin?.end(body);
  return new Promise((resolve) => {
    child.stdout?.on("data", (d: Buffer) => {
      const m = /listening (\d+)/.exec(d.toString());
      if (m?.[1] !== undefined) resolve(Number(m[1]));
    });
  });
}

interface Measured {
  readonly saturatedReqPerSec: number;
  readonly saturatedP99Ms: number;
  readonly atRateReqPerSec: number;
  readonly atRateP50Ms: number;
  readonly atRateP99Ms: number;
  readonly errors: number;
}

async function measure(url: string, duration: number): Promise<Measured> {
  const sat = await autocannon({ url, connections: Number(values.connections), duration });
  const fixed = await autocannon({
    url,
    connections: Number(values.connections),
    duration,
    overallRate: Number(values.rate),
  });
  return {
    saturatedReqPerSec: sat.requests.average,
    saturatedP99Ms: sat.latency.p99,
    atRateReqPerSec: fixed.requests.average,
    atRateP50Ms: fixed.latency.p50,
    atRateP99Ms: fixed.latency.p99,
    errors: sat.errors + sat.non2xx + fixed.errors + fixed.non2xx,
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const instances = Number(values.instances);
  const perService = Number(values["per-service"]);
  const duration = Number(values.duration);
  const progress = new Progress(4);
  progress.step("starting agent and registering instances");
  const port = await startAgent();
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < instances; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, instances - i) }, async (_, k) => {
        const n = i + k;
        const name = `svc-${String(Math.floor(n / perService)).padStart(4, "0")}`;
        const res = await fetch(`${base}/v1/agent/service/register`, {
          method: "PUT",
          body: JSON.stringify({ Name: name, ID: `${name}-${n}`, Port: 8000 + (n % 1000), Tags: ["bench"] }),
        });
        if (!res.ok) throw new Error(`register failed: ${res.status}`);
      }),
    );
  }
  const path = `/v1/health/service/svc-0000?passing`;
  await waitUntil(
    async () => ((await (await fetch(base + path)).json()) as unknown[]).length === perService,
    10_000,
  );
  const body = await (await fetch(base + path)).text();
  progress.tick();
  progress.step("bare fastify route");
  const barePort = await startBare(body);
  const bare = await measure(`http://127.0.0.1:${barePort}${path}`, duration);
  progress.tick();
  progress.step("shoal agent lookup");
  const shoal = await measure(base + path, duration);
  progress.tick();
  progress.finish();
  const doc = {
    command: `npm run bench:lookup -- ${process.argv.slice(2).join(" ")}`,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "",
      memoryGb: Math.round(totalmem() / 1024 ** 3),
      node: process.version,
    },
    startedAt: new Date(started).toISOString(),
    wallSeconds: (Date.now() - started) / 1000,
    instances,
    perService,
    responseBytes: Buffer.byteLength(body),
    connections: Number(values.connections),
    durationSec: duration,
    rate: Number(values.rate),
    shoal,
    bare,
    throughputVsBare: shoal.saturatedReqPerSec / bare.saturatedReqPerSec,
  };
  const out = values.out ?? `${ROOT}bench/results`;
  mkdirSync(out, { recursive: true });
  const jsonFile = values.json ?? `${out}/${values.name}.json`;
  writeFileSync(jsonFile, `${JSON.stringify(doc, null, 2)}\n`);
  const md = [
    "# Lookup benchmark",
    "",
    `Command: \`${doc.command}\`; ${doc.machine.cpus} cores (${doc.machine.cpuModel}), Node ${doc.machine.node}.`,
    `${instances} instances (${perService} per service, ${doc.responseBytes} B per answer), ${doc.connections} connections, ${duration} s per measurement.`,
    "",
    "| target | req/s saturated | p99 ms saturated | req/s at fixed rate | p50 ms | p99 ms | errors |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...(
      [
        ["bare fastify", bare],
        ["shoal agent", shoal],
      ] as const
    ).map(
      ([n, m]) =>
        `| ${n} | ${m.saturatedReqPerSec.toFixed(0)} | ${m.saturatedP99Ms} | ${m.atRateReqPerSec.toFixed(0)} | ${m.atRateP50Ms} | ${m.atRateP99Ms} | ${m.errors} |`,
    ),
    "",
    `Shoal / bare throughput: ${(doc.throughputVsBare * 100).toFixed(1)} %`,
    "",
  ].join("\n");
  writeFileSync(`${out}/${values.name}.md`, md);
  writeFileSync(
    `${out}/${values.name}.svg`,
    renderBarsSvg("Lookup throughput (req/s, saturated)", [
      { label: "bare fastify", value: bare.saturatedReqPerSec },
      { label: "shoal /v1/health/service", value: shoal.saturatedReqPerSec },
    ]),
  );
  process.stdout.write(`${md}\nwrote ${jsonFile}, ${out}/${values.name}.md, ${out}/${values.name}.svg\n`);
  killChildren();
}

await main();
