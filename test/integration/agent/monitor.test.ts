/**
 * `shoal monitor` streams the agent's own log lines: every component's pino records (not just
 * a few agent messages), at the level the monitor asks for even when that is below the
 * agent's configured level, and without those extra lines reaching the agent's stdout.
 */
import { createSocket } from "node:dgram";
import { afterAll, beforeAll, expect, it } from "vitest";
import { waitFor } from "../../support/serf-agent.js";
import { startShoalAgent, type ShoalAgent } from "../../support/shoal-agent.js";
import { shoalCli, spawnShoalCli, type ShoalCliProcess } from "../../support/shoal-cli.js";
import { describeWithSerf } from "../../support/requirements.js";

/** Sends one datagram that is no memberlist message to 127.0.0.1:port. */
function sendJunk(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createSocket("udp4");
    socket.send(Buffer.from([0xff, 0x00, 0x13, 0x37]), port, "127.0.0.1", (error) => {
      socket.close();
      if (error === null) resolve();
      else reject(error);
    });
  });
}

describeWithSerf()("shoal monitor", () => {
  let agent: ShoalAgent | undefined;
  let peer: ShoalAgent | undefined;
  const monitors: ShoalCliProcess[] = [];

  beforeAll(async () => {
    // Info level: the debug lines the monitor asks for must come from the tap, not from stdout.
    agent = await startShoalAgent({ name: "m1", profile: "local", extraArgs: ["--log-level", "info"] });
  });

  afterAll(async () => {
    await Promise.allSettled(monitors.map((m) => m.stop()));
    await Promise.allSettled([agent?.kill(), peer?.kill()]);
  });

  it("streams agent, http and membership log lines as they happen", async () => {
    const monitor = spawnShoalCli(agent!.httpAddr, ["monitor", "--log-level", "debug"]);
    monitors.push(monitor);
    // The stream is live once our own request shows up in it (the http component logs it).
    await waitFor(
      "monitor connected",
      async () => {
        await agent!.get("/v1/agent/self");
        return monitor.output().includes("/v1/agent/self") ? true : undefined;
      },
      20_000,
    );
    peer = await startShoalAgent({ name: "m2", profile: "local", join: [`127.0.0.1:${agent!.port}`] });
    await shoalCli(agent!.httpAddr, ["event", "ping-monitor"]);
    await waitFor(
      "membership and event lines in the monitor",
      () => {
        const out = monitor.output();
        return out.includes("memberJoined: m2") && out.includes("user event: ping-monitor")
          ? true
          : undefined;
      },
      20_000,
    );
    const out = monitor.output();
    // Consul's monitor format: `time [LEVEL] component: message`.
    expect(out).toMatch(/^\S+Z \[INFO\] +agent: memberJoined: m2 /m);
    expect(out).toMatch(/\[INFO\] +http: incoming request/);
    // Debug lines reach the monitor although the agent logs at info. A junk datagram makes one:
    // the agent notes each undecodable packet at debug level.
    await waitFor(
      "a debug line",
      async () => {
        await sendJunk(agent!.port);
        return /\[DEBUG\]/.test(monitor.output()) ? true : undefined;
      },
      20_000,
    );
    // ...while its stdout stays at info.
    expect(agent!.logs()).not.toContain('"level":"debug"');
  });

  it("filters by the requested level", async () => {
    const monitor = spawnShoalCli(agent!.httpAddr, ["monitor", "--log-level", "warn"]);
    monitors.push(monitor);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await agent!.get("/v1/agent/members");
    await peer!.kill();
    await waitFor(
      "the failure warning",
      () => (monitor.output().includes("memberFailed: m2") ? true : undefined),
      45_000,
    );
    expect(monitor.output()).not.toMatch(/\[(INFO|DEBUG)\]/);
  });
});
