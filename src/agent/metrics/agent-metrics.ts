/**
 * One agent's metrics registry: a per-agent prom-client {@link Registry} (never the global
 * one, so several agents in one process, as the benchmarks run them, keep separate numbers)
 * filled from the runtime, the protocol node, the catalog and Node's own process metrics.
 * HTTP request metrics are added by the HTTP API when it is given this registry.
 */
import { collectDefaultMetrics, Registry } from "prom-client";
import type { ShoalNode } from "../../swim/core/node.js";
import type { NodeRuntime } from "../../swim/runtime/node-runtime.js";
import type { CatalogGossip } from "../catalog/catalog-gossip.js";
import { registerCatalogMetrics } from "../catalog/catalog-metrics.js";
import type { CatalogStore } from "../catalog/catalog-store.js";
import { mirrorCounter, mirrorGauge } from "./mirror.js";
import { registerRuntimeMetrics } from "./runtime-metrics.js";
import { registerSwimEventMetrics } from "./swim-event-metrics.js";

/** The parts of an agent the metrics read. */
export interface AgentMetricsSources {
  readonly nodeName: string;
  readonly runtime: NodeRuntime;
  readonly node: ShoalNode;
  readonly catalog: CatalogStore;
  readonly gossip?: CatalogGossip;
  /**
   * Also export Node's process metrics (CPU, RSS, GC, event-loop lag). Off when several agents
   * share a process: those numbers belong to the process, not to one agent.
   */
  readonly processMetrics?: boolean;
}

/** Member statuses always exported (as 0 when empty) so dashboards see every series. */
const STATUSES = ["alive", "suspect", "leaving", "left", "failed"] as const;
const QUEUES = ["intents", "queries", "events", "extension"] as const;

/** A registry with every agent metric; the returned function unsubscribes the event metrics. */
export function createAgentMetrics(sources: AgentMetricsSources): {
  readonly registry: Registry;
  readonly stop: () => void;
} {
  const registry = new Registry();
  if (sources.processMetrics !== false) {
    // prom-client's event-loop lag samples with a timer, by default every 10 ms: 100 wakeups a
    // second, most of an idle agent's CPU. Once a second is enough for nodejs_eventloop_lag_*;
    // the gossip runtime's own, finer measure is shoal_event_loop_delay_seconds.
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 1_000 });
  }
  const { runtime, node } = sources;
  mirrorGauge(
    registry,
    "shoal_members",
    "Members of the gossip pool by status (self included).",
    ["status"],
    () => {
      const counts = new Map<string, number>(STATUSES.map((s) => [s, 0]));
      for (const m of runtime.members()) {
        const status = m.memberlistState === "suspect" ? "suspect" : m.status;
        counts.set(status, (counts.get(status) ?? 0) + 1);
      }
      return [...counts].map(([status, n]) => [{ status }, n] as const);
    },
  );
  mirrorGauge(
    registry,
    "shoal_broadcast_queue_depth",
    "Messages waiting in each broadcast queue.",
    ["queue"],
    () => {
      const depths = node.queueDepths();
      return QUEUES.map((queue) => [{ queue }, depths[queue]] as const);
    },
  );
  mirrorCounter(
    registry,
    "shoal_broadcast_queue_dropped_total",
    "Messages dropped from a broadcast queue over Serf's depth limit.",
    ["queue"],
    () => {
      const drops = node.queueDrops();
      return QUEUES.map((queue) => [{ queue }, drops[queue]] as const);
    },
  );
  mirrorGauge(
    registry,
    "shoal_inbound_queue_depth",
    'Received gossip messages (alive, suspect, dead, user) waiting to be handled: memberlist\'s handoff queues, whose overflow is counted in shoal_gossip_dropped_total{reason="handoffQueueFull"}.',
    [],
    () => [[{}, node.inboundPending()] as const],
  );
  mirrorGauge(registry, "shoal_lamport_time", "Serf's Lamport clocks.", ["clock"], () => {
    const c = node.clocks();
    return [
      [{ clock: "member" }, c.member],
      [{ clock: "event" }, c.event],
      [{ clock: "query" }, c.query],
    ];
  });
  registerRuntimeMetrics(registry, runtime);
  registerCatalogMetrics(registry, sources.catalog, sources.gossip);
  const stop = registerSwimEventMetrics(
    registry,
    sources.nodeName,
    (listener) => runtime.subscribe(listener),
    () => runtime.healthScore(),
  );
  return { registry, stop };
}
