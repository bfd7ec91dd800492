import { afterEach, describe, expect, it } from "vitest";
import type { CheckStatus } from "../../../../src/agent/catalog/record.js";
import { parseCheck } from "../../../../src/agent/catalog/service-definition.js";
import type { CheckDefinition } from "../../../../src/agent/checks/check-definition.js";
import { CheckRunner, type CheckRunnerOptions } from "../../../../src/agent/checks/check-runner.js";
import { closedPort, eventually, httpServer, tcpServer } from "./servers.js";

const svc = {
  ID: "web",
  Service: "web",
  Tags: [],
  Meta: {},
  Port: 0,
  Address: "",
  Weights: { Passing: 1, Warning: 1 },
  EnableTagOverride: false,
};

function def(raw: Record<string, unknown>): CheckDefinition {
  return parseCheck({ CheckID: "c", ...raw }, svc, undefined);
}

interface Report {
  readonly status: CheckStatus;
  readonly output: string;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function runner(options: Partial<CheckRunnerOptions> = {}): {
  runner: CheckRunner;
  reports: Report[];
  reaped: string[];
} {
  const reports: Report[] = [];
  const reaped: string[] = [];
  const r = new CheckRunner({
    report: (_id, status, output) => reports.push({ status, output }),
    deregisterService: (serviceId) => reaped.push(serviceId),
    minIntervalMs: 10,
    stagger: false,
    outputSyncIntervalMs: 0,
    ...options,
  });
  cleanups.push(() => r.stop());
  return { runner: r, reports, reaped };
}

const last = (reports: Report[]): Report | undefined => reports[reports.length - 1];

describe("HTTP checks", () => {
  it("maps 2xx to passing, 429 to warning and anything else to critical", async () => {
    const server = await httpServer();
    cleanups.push(() => server.close());
    const { runner: r, reports } = runner();
    r.add(def({ HTTP: server.url, Interval: "10ms" }));
    await eventually(() => last(reports)?.status === "passing");
    expect(last(reports)!.output).toBe(`HTTP GET ${server.url}: 200 OK Output: OK`);
    server.status = 429;
    await eventually(() => last(reports)?.status === "warning");
    server.status = 503;
    await eventually(() => last(reports)?.status === "critical");
    expect(last(reports)!.output).toContain("503 Service Unavailable");
  });

  it("sends the method, headers and body, and follows redirects", async () => {
    const server = await httpServer();
    cleanups.push(() => server.close());
    const { runner: r, reports } = runner();
    r.add(
      def({
        HTTP: `${server.url}redirect`,
        Interval: "1s",
        Method: "GET",
        Header: { "X-Probe": ["yes"] },
        Body: "",
      }),
      "critical",
    );
    await eventually(() => last(reports)?.status === "passing");
    expect(server.lastHeaders["x-probe"]).toBe("yes");
    expect(server.lastHeaders["user-agent"]).toBe("Consul Health Check");
    r.add(def({ HTTP: server.url, Interval: "1s", Method: "PUT", Body: "ping" }), "critical");
    await eventually(() => server.lastMethod === "PUT");
    expect(server.lastBody).toBe("ping");
  });

  it("turns critical on timeout and truncates output to 4 KB", async () => {
    const server = await httpServer();
    cleanups.push(() => server.close());
    server.body = "x".repeat(10_000);
    const { runner: r, reports } = runner();
    r.add(def({ HTTP: server.url, Interval: "10ms" }), "critical");
    await eventually(() => last(reports)?.status === "passing");
    expect(Buffer.byteLength(last(reports)!.output)).toBeLessThanOrEqual(4096);
    server.delayMs = 500;
    r.add(def({ HTTP: server.url, Interval: "10ms", Timeout: "50ms" }), "passing");
    await eventually(() => last(reports)?.status === "critical");
    expect(last(reports)!.output).toContain("timed out after 50ms");
  });

  it("reports a refused connection as critical", async () => {
    const port = await closedPort();
    const { runner: r, reports } = runner();
    r.add(def({ HTTP: `http://127.0.0.1:${port}/`, Interval: "10ms" }), "passing");
    await eventually(() => last(reports)?.status === "critical");
    expect(last(reports)!.output).toContain("ECONNREFUSED");
  });
});

describe("TCP checks", () => {
  it("passes while something listens and fails when it stops", async () => {
    const server = await tcpServer();
    const { runner: r, reports } = runner();
    r.add(def({ TCP: server.address, Interval: "10ms" }));
    await eventually(() => last(reports)?.status === "passing");
    expect(last(reports)!.output).toBe(`TCP connect ${server.address}: Success`);
    await server.close();
    await eventually(() => last(reports)?.status === "critical");
    expect(last(reports)!.output).toContain(`dial tcp ${server.address}`);
  });
});

describe("TTL checks", () => {
  it("takes pass/warn/fail reports and expires to critical", async () => {
    const { runner: r, reports } = runner();
    r.add(def({ TTL: "60ms" }));
    expect(r.updateTtl("c", "passing", "all good")).toBe(true);
    expect(last(reports)).toEqual({ status: "passing", output: "all good" });
    expect(r.updateTtl("c", "warning", "meh")).toBe(true);
    expect(last(reports)!.status).toBe("warning");
    await eventually(() => last(reports)?.status === "critical");
    expect(last(reports)!.output).toBe("TTL expired (last output before timeout follows): meh");
  });

  it("refuses TTL reports for other checks", () => {
    const { runner: r } = runner();
    r.add(def({ TCP: "127.0.0.1:1", Interval: "1h" }));
    expect(r.updateTtl("c", "passing", "")).toBe(false);
    expect(r.updateTtl("nope", "passing", "")).toBe(false);
  });

  it("keeps a reset TTL alive", async () => {
    const { runner: r, reports } = runner();
    r.add(def({ TTL: "80ms" }));
    for (let i = 0; i < 5; i++) {
      r.updateTtl("c", "passing", "tick");
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    expect(reports.every((report) => report.status === "passing")).toBe(true);
  });
});

describe("thresholds, output throttling and the reaper", () => {
  it("needs SuccessBeforePassing successes and FailuresBeforeCritical failures", async () => {
    let result: CheckStatus = "passing";
    let probes = 0;
    const { runner: r, reports } = runner({
      probes: {
        tcp: async () => {
          probes++;
          return { status: result, output: "" };
        },
      },
    });
    r.add(def({ TCP: "127.0.0.1:1", Interval: "10ms", SuccessBeforePassing: 3, FailuresBeforeCritical: 2 }));
    await eventually(() => last(reports)?.status === "passing");
    expect(probes).toBeGreaterThanOrEqual(3);
    const before = probes;
    result = "critical";
    await eventually(() => last(reports)?.status === "critical");
    expect(probes - before).toBeGreaterThanOrEqual(2);
  });

  it("reports output-only changes at most every outputSyncIntervalMs", async () => {
    let n = 0;
    const { runner: r, reports } = runner({
      outputSyncIntervalMs: 60_000,
      probes: { tcp: async () => ({ status: "passing", output: `run ${n++}` }) },
    });
    r.add(def({ TCP: "127.0.0.1:1", Interval: "10ms" }));
    await eventually(() => n > 5);
    expect(reports).toHaveLength(1);
  });

  it("deregisters a service critical past DeregisterCriticalServiceAfter", async () => {
    const { runner: r, reaped } = runner({ reapIntervalMs: 10, minDeregisterAfterMs: 0 });
    r.add(def({ TTL: "1h", DeregisterCriticalServiceAfter: "30ms" }), "critical");
    await eventually(() => reaped.length > 0);
    expect(reaped[0]).toBe("web");
  });

  it("does not reap a passing check, and enforces the minimum", async () => {
    const { runner: r, reaped } = runner({ reapIntervalMs: 10 });
    r.add(def({ TTL: "1h", DeregisterCriticalServiceAfter: "10ms" }), "critical");
    r.add({ ...def({ TTL: "1h", DeregisterCriticalServiceAfter: "10ms" }), CheckID: "d" }, "passing");
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(reaped).toEqual([]);
  });

  it("stops probing removed checks", async () => {
    let probes = 0;
    const { runner: r } = runner({
      probes: { tcp: async () => ({ status: "passing", output: String(probes++) }) },
    });
    r.add(def({ TCP: "127.0.0.1:1", Interval: "10ms" }));
    await eventually(() => probes > 2);
    r.removeService("web");
    expect(r.has("c")).toBe(false);
    const after = probes;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(probes - after).toBeLessThanOrEqual(1);
  });
});
