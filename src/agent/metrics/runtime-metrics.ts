/**
 * Metrics read from one {@link NodeRuntime}'s counters: traffic by message type, wire bytes by
 * transport, drops by reason, event-loop delay as fed to Lifeguard, and push/pull exchanges.
 */
import { Histogram, type Registry } from "prom-client";
import type { NodeRuntime } from "../../swim/runtime/node-runtime.js";
import type { MessageCounters } from "../../swim/runtime/runtime-stats.js";
import { mirrorCounter, mirrorGauge, type Samples } from "./mirror.js";

function byType(counters: MessageCounters, field: "count" | "bytes"): Samples {
  return Object.entries(counters).map(([type, c]) => [{ type }, c[field]] as const);
}

/** Registers the runtime's metrics on `registry`. */
export function registerRuntimeMetrics(registry: Registry, runtime: NodeRuntime): void {
  const stats = runtime.stats;
  mirrorCounter(
    registry,
    "shoal_messages_sent_total",
    "Gossip messages sent over UDP, by type.",
    ["type"],
    () => byType(stats.messages.sent, "count"),
  );
  mirrorCounter(
    registry,
    "shoal_messages_received_total",
    "Gossip messages received over UDP, by type.",
    ["type"],
    () => byType(stats.messages.received, "count"),
  );
  mirrorCounter(
    registry,
    "shoal_message_bytes_sent_total",
    "Plaintext bytes of gossip messages sent over UDP, by type.",
    ["type"],
    () => byType(stats.messages.sent, "bytes"),
  );
  mirrorCounter(
    registry,
    "shoal_message_bytes_received_total",
    "Plaintext bytes of gossip messages received over UDP, by type.",
    ["type"],
    () => byType(stats.messages.received, "bytes"),
  );
  mirrorCounter(
    registry,
    "shoal_gossip_bytes_total",
    "Wire bytes (sealed, without IP/UDP/TCP headers) by transport and direction.",
    ["transport", "direction"],
    () => [
      [{ transport: "udp", direction: "sent" }, stats.packets.bytesSent],
      [{ transport: "udp", direction: "received" }, stats.packets.bytesReceived],
      [{ transport: "tcp", direction: "sent" }, stats.streams.bytesSent],
      [{ transport: "tcp", direction: "received" }, stats.streams.bytesReceived],
    ],
  );
  mirrorCounter(registry, "shoal_gossip_packets_total", "UDP packets by direction.", ["direction"], () => [
    [{ direction: "sent" }, stats.packets.sent],
    [{ direction: "received" }, stats.packets.received],
  ]);
  mirrorCounter(
    registry,
    "shoal_gossip_dropped_total",
    "Inbound packets and streams dropped, by channel and reason.",
    ["channel", "reason"],
    () =>
      (["packet", "stream"] as const).flatMap((channel) =>
        Object.entries(stats.dropped[channel]).map(([reason, n]) => [{ channel, reason }, n] as const),
      ),
  );
  mirrorGauge(
    registry,
    "shoal_event_loop_delay_seconds",
    "Event-loop delay fed to Lifeguard: the latest sample and the largest ever seen.",
    ["stat"],
    () => [
      [{ stat: "last" }, stats.loopDelay.lastMs / 1000],
      [{ stat: "max" }, stats.loopDelay.maxMs / 1000],
    ],
  );
  mirrorCounter(
    registry,
    "shoal_push_pull_total",
    "Outbound push/pull exchanges by result.",
    ["result"],
    () => [
      [{ result: "ok" }, stats.pushPull.completed],
      [{ result: "failed" }, stats.pushPull.failed],
    ],
  );
  mirrorCounter(
    registry,
    "shoal_push_pull_bytes_total",
    "Bytes of outbound push/pulls: our state sent, the peer's state received.",
    ["direction"],
    () => [
      [{ direction: "sent" }, stats.pushPull.bytesSent],
      [{ direction: "received" }, stats.pushPull.bytesReceived],
    ],
  );
  const duration = new Histogram({
    name: "shoal_push_pull_duration_seconds",
    help: "Duration of completed outbound push/pulls (connect, write, read the reply).",
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 10],
    registers: [registry],
  });
  const size = new Histogram({
    name: "shoal_push_pull_size_bytes",
    help: "Size of the peer's state received by completed outbound push/pulls.",
    buckets: [256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304],
    registers: [registry],
  });
  runtime.onPushPull((record) => {
    if (!record.ok) return;
    duration.observe(record.durationMs / 1000);
    size.observe(record.bytesReceived);
  });
}
