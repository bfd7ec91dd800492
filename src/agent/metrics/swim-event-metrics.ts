/**
 * Metrics counted from the protocol core's events: probes and their round-trip times,
 * suspicions (started, confirmed, and how they ended), refutations, and the Lifeguard health
 * score. The core reports these as events, so nothing here touches the protocol's hot path.
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { SwimEvent } from "../../swim/core/api.js";

/** Subscribes to core events and returns the listener's remover. */
export function registerSwimEventMetrics(
  registry: Registry,
  selfName: string,
  subscribe: (listener: (event: SwimEvent) => void) => () => void,
  healthScore: () => number,
): () => void {
  const probes = new Counter({
    name: "shoal_probes_total",
    help: "Direct or indirect probes answered in time.",
    registers: [registry],
  });
  const failedProbes = new Counter({
    name: "shoal_probe_failures_total",
    help: "Probes that got no ack (direct, indirect or TCP): each accuses its target.",
    registers: [registry],
  });
  const rtt = new Histogram({
    name: "shoal_probe_rtt_seconds",
    help: "Round-trip time of answered probes.",
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  const suspicions = new Counter({
    name: "shoal_suspicions_total",
    help: "Suspicions started, by whether this node was the accuser.",
    labelNames: ["accuser"],
    registers: [registry],
  });
  const confirmations = new Counter({
    name: "shoal_suspicion_confirmations_total",
    help: "Independent confirmations of active suspicions (Lifeguard).",
    registers: [registry],
  });
  const outcomes = new Counter({
    name: "shoal_suspicion_outcomes_total",
    help: "Suspicions ended: failed (declared dead), refuted (proved alive) or reaped.",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const suspicionSeconds = new Histogram({
    name: "shoal_suspicion_duration_seconds",
    help: "Time from suspicion to its outcome, by outcome.",
    labelNames: ["outcome"],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const refutations = new Counter({
    name: "shoal_refutations_total",
    help: "Times this node refuted a suspicion or death notice about itself.",
    registers: [registry],
  });
  new Gauge({
    name: "shoal_health_score",
    help: "Lifeguard local health score (0 is healthy; higher stretches probe timeouts).",
    registers: [registry],
    collect() {
      this.set(healthScore());
    },
  });
  for (const outcome of ["failed", "refuted", "reaped"]) outcomes.inc({ outcome }, 0);
  return subscribe((event) => {
    switch (event.kind) {
      case "probeCompleted":
        probes.inc();
        rtt.observe(event.rttMs / 1000);
        return;
      case "probeFailed":
        failedProbes.inc();
        return;
      case "memberSuspected":
        suspicions.inc({ accuser: event.from === selfName ? "self" : "other" });
        return;
      case "suspicionConfirmed":
        confirmations.inc();
        return;
      case "suspicionEnded":
        outcomes.inc({ outcome: event.outcome });
        suspicionSeconds.observe({ outcome: event.outcome }, event.durationMs / 1000);
        return;
      case "refuted":
        refutations.inc();
        return;
      default:
        return;
    }
  });
}
