/**
 * The NodeRuntime's command API and lifecycle over real sockets, the same runtime over the
 * in-memory network and over IPv6 loopback, and event-loop delay reaching Lifeguard.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { SwimEvent } from "../../../src/swim/core/api.js";
import { localConfig } from "../../../src/swim/core/config.js";
import { MemoryNetwork } from "../../../src/swim/runtime/memory-transport.js";
import { NodeRuntime } from "../../../src/swim/runtime/node-runtime.js";
import { ipv6LoopbackAvailable } from "../../support/ipv6.js";
import { describeWhen } from "../../support/requirements.js";
import {
  aliveNames,
  closeAll,
  failureDetectionBoundMs,
  startCluster,
  startRuntime,
  testNodeFactory,
  waitFor,
} from "../../support/runtime-cluster.js";

const config = localConfig();
const hasIpv6 = await ipv6LoopbackAvailable();

afterEach(closeAll);

describe("NodeRuntime commands and lifecycle", () => {
  it("joins through host:port strings, spreads a user event, and leaves gracefully", async () => {
    const a = await startRuntime({ name: "api-a", config });
    const b = await startRuntime({ name: "api-b", config });
    const c = await startRuntime({ name: "api-c", config });
    expect(a.advertise).toEqual(a.local); // bound on 127.0.0.1: advertised as bound, real port
    expect(a.local.port).toBeGreaterThan(0);
    await expect(b.join([`127.0.0.1:${a.local.port}`])).resolves.toEqual({ contacted: 1, failed: [] });
    await c.join([`127.0.0.1:${a.local.port}`, `127.0.0.1:${b.local.port}`]);
    const all = [a, b, c];
    await waitFor(
      "3 alive",
      () => (all.every((rt) => aliveNames(rt).length === 3) ? true : undefined),
      5_000,
    );

    const got = new Map<string, string>();
    for (const rt of [b, c]) {
      rt.subscribe((e: SwimEvent) => {
        if (e.kind === "userEventReceived")
          got.set(rt.name, `${e.name}:${Buffer.from(e.payload).toString()}`);
      });
    }
    a.userEvent("deploy", Buffer.from("v42"));
    await waitFor("the event at b and c", () => (got.size === 2 ? true : undefined), 5_000);
    expect([...got.values()]).toEqual(["deploy:v42", "deploy:v42"]);

    await c.leave();
    await waitFor(
      "c left in a's and b's view",
      () =>
        [a, b].every((rt) => rt.members().find((m) => m.name === "api-c")?.status === "left")
          ? true
          : undefined,
      5_000,
    );
  });

  it("joins through the seeds that resolve when another seed's name does not", async () => {
    const a = await startRuntime({ name: "dns-a", config });
    const b = await startRuntime({ name: "dns-b", config });
    const seed = `127.0.0.1:${b.advertise.port}`;
    const result = await a.join(["gone.invalid:7946", seed]);
    expect(result.contacted).toBe(1);
    await expect(a.join(["gone.invalid:7946"])).rejects.toMatchObject({
      code: "SHOAL_ERR_JOIN",
      message: expect.stringMatching(/cannot resolve "gone.invalid"/) as unknown,
    });
    await a.close();
    await b.close();
  });

  it("does not count its own address as a join: retry-join goes on until another node answers", async () => {
    // Bound on 127.0.0.1, advertising 127.0.0.2: either address, or a name resolving to one
    // of them (a StatefulSet pod's own DNS name), is this agent itself.
    const resolveHost = (host: string): Promise<string[]> =>
      host === "me.test" ? Promise.resolve(["127.0.0.2"]) : Promise.reject(new Error(`no ${host}`));
    const a = await startRuntime({ name: "self-a", config, advertise: "127.0.0.2", resolveHost });
    const b = await startRuntime({ name: "self-b", config });
    const port = a.local.port;
    for (const seeds of [
      [`127.0.0.1:${port}`],
      [`me.test:${port}`],
      [`127.0.0.1:${port}`, `me.test:${port}`],
    ]) {
      await expect(a.join(seeds)).rejects.toMatchObject({
        code: "SHOAL_ERR_JOIN",
        message: expect.stringMatching(/is this agent itself/) as unknown,
      });
    }
    expect(aliveNames(a)).toEqual(["self-a"]);
    await expect(a.join([`me.test:${port}`, `127.0.0.1:${b.local.port}`])).resolves.toEqual({
      contacted: 1,
      failed: [],
    });
    expect(aliveNames(a)).toEqual(["self-a", "self-b"]);
  });

  it("rejects a join nobody answers, refuses commands when not running, closes idempotently", async () => {
    const a = await startRuntime({ name: "life-a", config });
    const gone = await startRuntime({ name: "life-gone", config });
    const deadSeed = gone.advertise;
    await gone.close();
    await expect(a.join([deadSeed])).rejects.toMatchObject({ code: "SHOAL_ERR_JOIN" });
    await expect(a.start()).rejects.toThrow(/cannot start/);

    const fresh = new NodeRuntime({ bind: "127.0.0.1:0", createNode: testNodeFactory("fresh", config, 1) });
    expect(() => fresh.userEvent("x", new Uint8Array(0))).toThrow(/not running/);
    await a.close();
    await a.close();
    expect(a.running).toBe(false);
    expect(() => a.userEvent("x", new Uint8Array(0))).toThrow(/not running/);
  });

  it("names the bad input in configuration errors", async () => {
    expect(
      () => new NodeRuntime({ createNode: testNodeFactory("x", config, 1), label: "x".repeat(300) }),
    ).toThrow(/label/);
    const rt = new NodeRuntime({ bind: "127.0.0.1:99999", createNode: testNodeFactory("x", config, 1) });
    await expect(rt.start()).rejects.toMatchObject({
      code: "SHOAL_ERR_CONFIG",
      message: expect.stringContaining("99999"),
    });
  });

  it("feeds event-loop stalls to Lifeguard's health score", async () => {
    const rt = await startRuntime({ name: "stall", config, loopDelaySampleMs: 50 });
    expect(rt.healthScore()).toBe(0);
    const until = performance.now() + 2 * config.probeTimeoutMs;
    while (performance.now() < until) {
      // Busy-wait on purpose: a blocked event loop is what is being measured.
    }
    await waitFor(
      "a delay sample",
      () => (rt.stats.loopDelay.maxMs >= config.probeTimeoutMs ? true : undefined),
      2_000,
    );
    await waitFor("the health score to rise", () => (rt.healthScore() > 0 ? true : undefined), 2_000);
  });
});

describe("NodeRuntime over the in-memory network", () => {
  it("forms a 5-node cluster and detects a closed node", async () => {
    const net = new MemoryNetwork();
    const nodes = await startCluster(5, { config, transports: net.bind }, "mem", (i) => ({
      bind: { host: `10.0.0.${i + 1}`, port: 7946 },
    }));
    const victim = nodes[1]!;
    await victim.close();
    await waitFor(
      "4 survivors to declare the victim failed",
      () =>
        nodes
          .filter((rt) => rt !== victim)
          .every((rt) => rt.members().find((m) => m.name === victim.name)?.status === "failed")
          ? true
          : undefined,
      failureDetectionBoundMs(config, 5),
    );
  });
});

describeWhen(hasIpv6, "the IPv6 loopback ::1")("NodeRuntime on IPv6 loopback", () => {
  it("forms a 3-node cluster on [::1]", async () => {
    const nodes = await startCluster(3, { config, bind: "[::1]:0" }, "v6");
    for (const rt of nodes) {
      expect(rt.advertise.host).toBe("::1");
      expect(aliveNames(rt)).toHaveLength(3);
    }
    await waitFor(
      "probes over UDP/IPv6",
      () => (nodes.every((rt) => rt.stats.packets.received > 0) ? true : undefined),
      5_000,
    );
  });
});
