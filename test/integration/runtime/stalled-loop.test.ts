/**
 * A runtime whose own event loop stalls must not accuse a peer whose ack arrived during the
 * stall. Node runs due timers before it reads the sockets; the runtime defers timer work after a
 * stall so that the waiting ack is read first (NodeRuntime.onTimerFired).
 *
 * The peer is a real `shoal agent` in its own process, so it answers while this process is
 * blocked; this side has TCP fallback pings off, so nothing but the UDP ack can save the probe.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { SwimEvent } from "../../../src/swim/core/api.js";
import { localConfig } from "../../../src/swim/core/config.js";
import { createSwimNode } from "../../../src/swim/core/node.js";
import { createRng } from "../../../src/swim/core/rng.js";
import { NodeRuntime } from "../../../src/swim/runtime/node-runtime.js";
import { startShoalAgent, type ShoalAgent } from "../../support/shoal-agent.js";
import { aliveNames, waitFor } from "../../support/runtime-cluster.js";

const STALL_MS = 1_500;
const ROUNDS = 3;

let peer: ShoalAgent | undefined;
let self: NodeRuntime | undefined;
afterAll(async () => {
  await self?.close();
  await peer?.stop();
});

/** Blocks this process's event loop, as a long GC pause or a CPU-starved host does. */
function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

describe("a stalled event loop", () => {
  it("reads the acks that arrived during the stall before timing out its probes", async () => {
    peer = await startShoalAgent({ name: "stall-peer", profile: "local" });
    const memberlist = { ...localConfig(), disableTcpPings: true };
    const runtime = new NodeRuntime({
      bind: "127.0.0.1:0",
      createNode: (args) =>
        createSwimNode({
          name: "stall-self",
          advertise: args.advertise,
          memberlist: { ...memberlist, packetOverheadBytes: args.packetOverheadBytes },
          rng: createRng(1),
          nowMs: args.nowMs,
        }),
    });
    self = runtime;
    await runtime.start();
    await runtime.join([`127.0.0.1:${peer.port}`]);
    await waitFor(
      "the peer alive",
      () => (aliveNames(runtime).includes("stall-peer") ? true : undefined),
      10_000,
    );

    const suspected: string[] = [];
    runtime.subscribe((e: SwimEvent) => {
      if (e.kind === "memberSuspected") suspected.push(e.member.name);
    });
    const pingsSent = (): number => runtime.stats.messages.sent.ping?.count ?? 0;
    for (let round = 0; round < ROUNDS; round++) {
      // Stall right after a ping left: its ack arrives while this process is blocked, long after
      // the probe timeout and the whole probe interval have passed.
      const before = pingsSent();
      await waitFor("a ping sent", () => (pingsSent() > before ? true : undefined), 5_000, 0);
      blockEventLoop(STALL_MS);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(runtime.stats.loopDelay.maxMs).toBeGreaterThanOrEqual(STALL_MS * 0.9);
    expect(suspected).toEqual([]);
    expect(runtime.members().find((m) => m.name === "stall-peer")?.status).toBe("alive");
  }, 60_000);
});
