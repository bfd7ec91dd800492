/** Event endpoints: fire, list (blocking) and the NDJSON event stream. */
import { Type } from "@sinclair/typebox";
import { ChangeWaiters } from "../../agent/catalog/change-waiters.js";
import type { AgentStreamEvent, EventFilters } from "../agent-view.js";
import { badRequest } from "../api-error.js";
import { parseBlocking, setIndexHeaders } from "../blocking.js";
import { applyFilter, filterParam, type Query, single } from "../params.js";
import type { RouteContext } from "../route-context.js";
import { PathParams, QueryString, QueryValue, UserEventSchema } from "../schemas.js";
import { memberJson, userEventJson } from "../shapes.js";
import { streamLines } from "../stream.js";

/** Registers the event routes. */
export function eventRoutes({ app, view, control, limits, streamBacklogBytes }: RouteContext): void {
  // The event list's blocking index counts user events listed since the API started; it
  // follows the list, not the (possibly coalesced) stream, so a blocking query wakes at once.
  let eventIndex = 1;
  const waiters = new ChangeWaiters();
  const listed = (): void => {
    eventIndex++;
    waiters.notify();
  };
  const unsubscribe =
    view.subscribeEventList?.(listed) ??
    view.subscribeEvents((event) => {
      if (event.type === "user") listed();
    });
  app.addHook("onClose", async () => unsubscribe());

  app.put(
    "/v1/event/fire/:name",
    {
      schema: {
        params: PathParams("name"),
        querystring: QueryString({
          node: QueryValue,
          service: QueryValue,
          tag: QueryValue,
          coalesce: QueryValue,
        }),
        response: { 200: UserEventSchema },
      },
    },
    async (request) => {
      const query = request.query as Query;
      const { name } = request.params;
      if (name === "") throw badRequest("Missing name");
      const filters: EventFilters = {
        ...optional("node", single(query, "node")),
        ...optional("service", single(query, "service")),
        ...optional("tag", single(query, "tag")),
      };
      if (filters.tag !== undefined && filters.service === undefined) {
        throw badRequest("Cannot provide tag filter without service filter.");
      }
      for (const [key, pattern] of Object.entries(filters)) {
        try {
          new RegExp(pattern as string);
        } catch {
          throw badRequest(`Invalid ${key} filter: "${String(pattern)}" is not a regular expression`);
        }
      }
      const body: unknown = request.body;
      const payload = Buffer.isBuffer(body) ? new Uint8Array(body) : new Uint8Array();
      const coalesce = single(query, "coalesce") !== "false";
      return userEventJson(await control.fireEvent(name, payload, filters, coalesce));
    },
  );

  app.get(
    "/v1/event/list",
    {
      schema: {
        querystring: QueryString({
          name: QueryValue,
          index: QueryValue,
          wait: QueryValue,
          filter: QueryValue,
        }),
        response: { 200: Type.Array(UserEventSchema) },
      },
    },
    async (request, reply) => {
      const query = request.query as Query;
      const predicate = filterParam(query, UserEventSchema);
      const { index, waitMs } = parseBlocking(query, limits);
      if (index !== undefined && index > 0 && index <= eventIndex) {
        const aborted = new AbortController();
        reply.raw.once("close", () => aborted.abort());
        await waiters.wait(index, waitMs, () => eventIndex, aborted.signal);
      }
      setIndexHeaders(reply, eventIndex);
      const name = single(query, "name");
      const events = view
        .events()
        .filter((e) => name === undefined || name === "" || e.name === name)
        .map(userEventJson);
      return applyFilter(events, predicate);
    },
  );

  app.get(
    "/v1/event/stream",
    { schema: { querystring: QueryString({ type: QueryValue }) } },
    async (request, reply) => {
      const types = (single(request.query as Query, "type") ?? "").split(",").filter((t) => t !== "");
      const wanted = (event: AgentStreamEvent): boolean =>
        types.length === 0 ||
        types.includes(event.type) ||
        (event.type === "member" && types.includes(event.event));
      return streamLines(reply, "application/x-ndjson", streamBacklogBytes, (stream) =>
        view.subscribeEvents((event) => {
          if (!wanted(event)) return;
          stream.write(
            JSON.stringify(
              event.type === "user"
                ? { Type: "user", Event: userEventJson(event.event) }
                : { Type: event.event, Members: event.members.map(memberJson) },
            ),
          );
        }),
      );
    },
  );
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined || value === "" ? {} : ({ [key]: value } as Record<K, string>);
}
