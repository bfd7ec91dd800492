/**
 * Request metrics of the HTTP API (prom-client): a counter and a latency histogram labelled
 * by method, route pattern (never the raw URL, which would explode cardinality) and status.
 */
import { Counter, Histogram, type Registry } from "prom-client";
import type { ApiApp } from "./route-context.js";

/** Adds the metrics hooks to `app`, registering the metrics on `registry` (once per registry). */
export function installHttpMetrics(app: ApiApp, registry: Registry): void {
  const requests =
    (registry.getSingleMetric("shoal_http_requests_total") as Counter | undefined) ??
    new Counter({
      name: "shoal_http_requests_total",
      help: "HTTP API requests by method, route and status code.",
      labelNames: ["method", "route", "code"],
      registers: [registry],
    });
  const duration =
    (registry.getSingleMetric("shoal_http_request_duration_seconds") as Histogram | undefined) ??
    new Histogram({
      name: "shoal_http_request_duration_seconds",
      help: "HTTP API request latency (blocking queries included).",
      labelNames: ["method", "route"],
      buckets: [0.001, 0.005, 0.025, 0.1, 0.5, 2.5, 10, 60, 600],
      registers: [registry],
    });
  // prom-client hashes a label object on every call; a busy lookup route would pay that twice
  // per request, so each label combination's series is looked up once and kept.
  const series = new Map<
    string,
    { count: ReturnType<typeof requests.labels>; time: ReturnType<typeof duration.labels> }
  >();
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unknown";
    const code = String(reply.statusCode);
    const key = `${request.method} ${route} ${code}`;
    let s = series.get(key);
    if (s === undefined) {
      s = {
        count: requests.labels({ method: request.method, route, code }),
        time: duration.labels({ method: request.method, route }),
      };
      series.set(key, s);
    }
    s.count.inc();
    s.time.observe(reply.elapsedTime / 1000);
  });
}
