/**
 * `/v1/agent/metrics`: Prometheus text with `?format=prometheus` (or an Accept header asking
 * for it), otherwise Consul's JSON summary built from the same prom-client registry.
 */
import { Type } from "@sinclair/typebox";
import type { MetricValue, Registry } from "prom-client";
import { AgentApiError } from "../api-error.js";
import { single } from "../params.js";
import type { RouteContext } from "../route-context.js";
import { QueryString, QueryValue } from "../schemas.js";

const Labels = Type.Record(Type.String(), Type.String());
const MetricsJson = Type.Object({
  Timestamp: Type.String(),
  Gauges: Type.Array(Type.Object({ Name: Type.String(), Value: Type.Number(), Labels })),
  Points: Type.Array(Type.Unknown()),
  Counters: Type.Array(
    Type.Object({
      Name: Type.String(),
      Count: Type.Number(),
      Sum: Type.Number(),
      Min: Type.Number(),
      Max: Type.Number(),
      Mean: Type.Number(),
      Stddev: Type.Number(),
      Labels,
    }),
  ),
  Samples: Type.Array(Type.Unknown()),
});

function labelsOf(labels: Readonly<Partial<Record<string, string | number>>>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v ?? "")]));
}

function sameLabels(
  a: Readonly<Partial<Record<string, string | number>>>,
  b: Readonly<Partial<Record<string, string | number>>>,
): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/**
 * The registry's text exposition, with prom-client's `Nan` (its spelling for a metric without
 * samples yet, e.g. the event-loop lag right after start) written `NaN`, the only spelling the
 * Prometheus text format and its parsers accept.
 */
async function exposition(registry: Registry): Promise<string> {
  return (await registry.metrics()).replace(/ Nan$/gm, " NaN");
}

/** Registers the metrics routes: `/v1/agent/metrics` and the scrapers' conventional `/metrics`. */
export function metricsRoutes({ app }: RouteContext, registry: Registry | undefined): void {
  app.get("/metrics", async (_request, reply) => {
    if (registry === undefined) throw new AgentApiError(501, "metrics are not enabled on this agent");
    return reply.type(registry.contentType).send(await exposition(registry));
  });
  app.get(
    "/v1/agent/metrics",
    {
      schema: {
        querystring: QueryString({ format: QueryValue }),
        response: { 200: Type.Union([MetricsJson, Type.String()]) },
      },
    },
    async (request, reply) => {
      if (registry === undefined) throw new AgentApiError(501, "metrics are not enabled on this agent");
      const accept = request.headers.accept ?? "";
      const prometheus =
        single(request.query, "format") === "prometheus" ||
        accept.includes("text/plain; version=0.0.4") ||
        accept.includes("application/openmetrics-text");
      if (prometheus) {
        return reply.type(registry.contentType).send(await exposition(registry));
      }
      const gauges: { Name: string; Value: number; Labels: Record<string, string> }[] = [];
      const counters: {
        Name: string;
        Count: number;
        Sum: number;
        Min: number;
        Max: number;
        Mean: number;
        Stddev: number;
        Labels: Record<string, string>;
      }[] = [];
      const samples: {
        Name: string;
        Count: number;
        Sum: number;
        Mean: number;
        Labels: Record<string, string>;
      }[] = [];
      for (const metric of await registry.getMetricsAsJSON()) {
        // prom-client types `type` as a numeric enum, but at run time it is the string name.
        const type = String(metric.type);
        // Histogram values carry the series name (`_bucket`, `_sum`, `_count`) at run time.
        const values = metric.values as readonly (MetricValue<string> & { metricName?: string })[];
        for (const value of values) {
          const labels = labelsOf(value.labels);
          // JSON has no NaN or Infinity (a gauge read before its first sample can hold one);
          // Consul's form reports such a value as 0 rather than failing the whole answer.
          const number = Number.isFinite(value.value) ? value.value : 0;
          if (type === "counter") {
            counters.push({
              Name: metric.name,
              Count: number,
              Sum: number,
              Min: 0,
              Max: 0,
              Mean: 0,
              Stddev: 0,
              Labels: labels,
            });
          } else if (type === "gauge") {
            gauges.push({ Name: metric.name, Value: number, Labels: labels });
          } else if (type === "histogram" && value.metricName === `${metric.name}_count`) {
            // Consul reports timers as Samples; a histogram's count and sum give the same summary.
            const sum = values.find(
              (v) => v.metricName === `${metric.name}_sum` && sameLabels(v.labels, value.labels),
            );
            const total = Number.isFinite(sum?.value) ? (sum?.value ?? 0) : 0;
            samples.push({
              Name: metric.name,
              Count: number,
              Sum: total,
              Mean: number === 0 ? 0 : total / number,
              Labels: labels,
            });
          }
        }
      }
      return {
        Timestamp: new Date().toISOString(),
        Gauges: gauges,
        Points: [],
        Counters: counters,
        Samples: samples,
      };
    },
  );
}
