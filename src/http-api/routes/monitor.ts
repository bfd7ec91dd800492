/** `/v1/agent/monitor`: the agent's log lines as a chunked text stream (Consul's format, or JSON with ?logjson). */
import { LOG_LEVELS, type LogLevel, type LogLine } from "../agent-view.js";
import { badRequest } from "../api-error.js";
import { flag, type Query, single } from "../params.js";
import type { RouteContext } from "../route-context.js";
import { QueryString, QueryValue } from "../schemas.js";
import { streamLines } from "../stream.js";

/** Consul/hclog level names to Shoal's. */
const ALIASES: Readonly<Record<string, LogLevel>> = { warning: "warn", err: "error" };

/** Formats a line as Consul's monitor does: `2024-01-01T00:00:00.000Z [INFO]  agent: message: k=v`. */
export function formatLogLine(line: LogLine): string {
  const level = `[${line.level.toUpperCase()}]`.padEnd(7);
  const fields = Object.entries(line.fields ?? {})
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  const component = line.component === undefined ? "" : `${line.component}: `;
  return `${new Date(line.timeMs).toISOString()} ${level} ${component}${line.message}${fields === "" ? "" : `: ${fields}`}`;
}

/** Registers the monitor route. */
export function monitorRoutes({ app, view, streamBacklogBytes }: RouteContext): void {
  app.get(
    "/v1/agent/monitor",
    { schema: { querystring: QueryString({ loglevel: QueryValue, logjson: QueryValue }) } },
    async (request, reply) => {
      const query = request.query as Query;
      const wanted = (single(query, "loglevel") ?? "info").toLowerCase();
      const level = ALIASES[wanted] ?? LOG_LEVELS.find((l) => l === wanted);
      if (level === undefined) throw badRequest(`Unknown log level: ${wanted}`);
      const minimum = LOG_LEVELS.indexOf(level);
      const json = flag(query, "logjson");
      return streamLines(reply, "text/plain; charset=utf-8", streamBacklogBytes, (stream) =>
        view.subscribeLogs((line) => {
          if (LOG_LEVELS.indexOf(line.level) < minimum) return;
          stream.write(
            json
              ? JSON.stringify({
                  "@timestamp": new Date(line.timeMs).toISOString(),
                  "@level": line.level,
                  "@module": line.component ?? "agent",
                  "@message": line.message,
                  ...line.fields,
                })
              : formatLogLine(line),
          );
        }),
      );
    },
  );
}
