/**
 * Catalog gauges for prom-client: index, sizes, pending blocking queries and gossip
 * counters. The digest itself is a string and goes to logs and `/v1/agent/self` stats; here
 * its first 48 bits are exported as a number so dashboards can see agreement across agents.
 */
import { Gauge, type Registry } from "prom-client";
import type { CatalogGossip } from "./catalog-gossip.js";
import type { CatalogStore } from "./catalog-store.js";

/** Registers the catalog gauges on `registry`; values are read at scrape time. */
export function registerCatalogMetrics(
  registry: Registry,
  store: CatalogStore,
  gossip?: CatalogGossip,
): void {
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  };
  gauge("shoal_catalog_index", "The catalog's local monotonic index (X-Consul-Index).", () => store.index);
  gauge("shoal_catalog_nodes", "Visible nodes in the catalog.", () => store.stats().nodes);
  gauge("shoal_catalog_services", "Live service instances in the catalog.", () => store.stats().services);
  gauge("shoal_catalog_tombstones", "Deregistration tombstones held.", () => store.stats().tombstones);
  gauge("shoal_catalog_blocking_queries", "Blocking queries waiting.", () => store.pendingWaits);
  gauge("shoal_catalog_digest", "First 48 bits of the catalog digest; equal across converged agents.", () =>
    parseInt(store.digest().slice(0, 12), 16),
  );
  if (gossip !== undefined) {
    const counters = gossip.counters;
    gauge("shoal_catalog_gossip_received", "Catalog gossip messages received.", () => counters.received);
    gauge(
      "shoal_catalog_gossip_applied",
      "Catalog gossip messages that changed the catalog.",
      () => counters.applied,
    );
    gauge("shoal_catalog_gossip_broadcasts", "Catalog gossip messages queued.", () => counters.broadcasts);
    gauge(
      "shoal_catalog_gossip_decode_errors",
      "Undecodable catalog gossip messages.",
      () => counters.decodeErrors,
    );
  }
}
