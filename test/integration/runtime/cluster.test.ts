/**
 * NodeRuntime over real UDP/TCP on 127.0.0.1: five nodes form a cluster, a closed node is
 * declared failed by every survivor within the bound derived from the protocol's formulas,
 * and the same works encrypted. memberlist's `local` preset: probe 1 s / 200 ms, suspicion
 * mult 3, so at 5 nodes the suspicion timeout is 3 s to 18 s (PROTOCOL.md section 2.4).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { SwimEvent } from "../../../src/swim/core/api.js";
import { localConfig } from "../../../src/swim/core/config.js";
import { Keyring } from "../../../src/swim/codec/keyring.js";
import { totalDrops } from "../../../src/swim/runtime/runtime-stats.js";
import type { NodeRuntime } from "../../../src/swim/runtime/node-runtime.js";
import {
  aliveNames,
  closeAll,
  failureDetectionBoundMs,
  startCluster,
  suspicionBoundsMs,
  waitFor,
} from "../../support/runtime-cluster.js";

const N = 5;
const config = localConfig();
const KEY = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);

afterEach(closeAll);

/** Closes `victim` and measures, per survivor, how long until it reports the victim failed. */
async function measureDetection(nodes: NodeRuntime[], victim: NodeRuntime): Promise<number[]> {
  const survivors = nodes.filter((rt) => rt !== victim);
  const failedAt = new Map<string, number>();
  const offs = survivors.map((rt) =>
    rt.subscribe((event: SwimEvent) => {
      if (event.kind === "memberFailed" && event.member.name === victim.name && !failedAt.has(rt.name)) {
        failedAt.set(rt.name, performance.now());
      }
    }),
  );
  const t0 = performance.now();
  await victim.close();
  const bound = failureDetectionBoundMs(config, N);
  await waitFor(
    `every survivor to declare ${victim.name} failed`,
    () => (failedAt.size === survivors.length ? true : undefined),
    bound + 5_000,
  );
  for (const off of offs) off();
  for (const rt of survivors) {
    expect(rt.members().find((m) => m.name === victim.name)?.status).toBe("failed");
  }
  return [...failedAt.values()].map((t) => t - t0);
}

describe("NodeRuntime cluster on loopback (local preset)", () => {
  it("five nodes see each other alive, then all detect a closed node within the bound", async () => {
    const nodes = await startCluster(N, { config }, "plain");
    for (const rt of nodes) {
      expect(aliveNames(rt)).toHaveLength(N);
      expect(totalDrops(rt.stats.dropped.packet) + totalDrops(rt.stats.dropped.stream)).toBe(0);
      expect(rt.stats.streams.accepted + rt.stats.streams.dialed).toBeGreaterThan(0);
    }
    const victim = nodes[2]!;
    const times = await measureDetection(nodes, victim);
    for (const rt of nodes.filter((n) => n !== victim)) {
      // Probes and gossip ran over UDP for the whole detection.
      expect(rt.stats.packets.sent).toBeGreaterThan(0);
      expect(rt.stats.packets.received).toBeGreaterThan(0);
      expect(rt.stats.internalErrors).toBe(0);
    }
    const { minMs } = suspicionBoundsMs(config, N);
    const bound = failureDetectionBoundMs(config, N);
    console.info(
      `failure detection over UDP (5 nodes, local): per survivor ${times.map((t) => t.toFixed(0)).join(", ")} ms; ` +
        `bound ${bound} ms (suspicion min ${minMs} ms)`,
    );
    // Nobody can declare it dead before a suspicion timeout has run, nor later than the bound.
    for (const t of times) {
      expect(t).toBeGreaterThanOrEqual(minMs);
      expect(t).toBeLessThanOrEqual(bound);
    }
  });

  it("works encrypted with one shared key, with nothing undecryptable", async () => {
    const keyring = Keyring.of([KEY]);
    const nodes = await startCluster(N, { config, keyring, label: "shoal-test" }, "enc");
    for (const rt of nodes) {
      expect(aliveNames(rt)).toHaveLength(N);
      expect(rt.stats.dropped.packet.undecryptable).toBe(0);
      expect(rt.stats.dropped.stream.undecryptable).toBe(0);
      expect(rt.stats.dropped.packet.labelMismatch).toBe(0);
    }
    const times = await measureDetection(nodes, nodes[4]!);
    console.info(`failure detection encrypted: ${times.map((t) => t.toFixed(0)).join(", ")} ms`);
  });
});
