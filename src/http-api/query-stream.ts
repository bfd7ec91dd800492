/**
 * `POST /v1/shoal/query?stream`: a query's acks and responses as newline-delimited JSON, each
 * line written as it arrives, then a last line with the totals. A query may run for many
 * seconds; like `serf query`, `shoal query` shows every answer at once instead of waiting
 * out the timeout.
 */
import type { FastifyReply } from "fastify";
import type { QueryListener, QueryResult } from "./agent-view.js";
import { type LineStream, streamLines } from "./stream.js";

/** One line of a streamed query answer; `done` (or `error`) is the last. */
export type QueryStreamLine =
  | { readonly Type: "ack"; readonly From: string }
  | { readonly Type: "response"; readonly From: string; readonly Payload: string }
  | { readonly Type: "done"; readonly TotalAcks: number; readonly TotalResponses: number }
  | { readonly Type: "error"; readonly Error: string };

/**
 * Starts a query through `run` and streams its answers on `reply`. Waits until the query went
 * out before answering, so a query the agent refuses still gets a plain error status.
 */
export async function streamQuery(
  reply: FastifyReply,
  backlogBytes: number,
  run: (listener: QueryListener) => Promise<QueryResult>,
): Promise<FastifyReply> {
  // Answers can come before the response is set up: this node answers its own query at once.
  const early: QueryStreamLine[] = [];
  let out: LineStream | undefined;
  const emit = (line: QueryStreamLine): void => {
    if (out === undefined) early.push(line);
    else out.write(JSON.stringify(line));
  };
  let dispatched = (): void => undefined;
  const sent = new Promise<void>((resolve) => (dispatched = resolve));
  const done = run({
    dispatched: () => dispatched(),
    ack: (from) => emit({ Type: "ack", From: from }),
    response: (from, payload) =>
      emit({ Type: "response", From: from, Payload: Buffer.from(payload).toString("base64") }),
  });
  // An agent that does not report dispatch still works: the stream then starts when it closes.
  await Promise.race([sent, done]);
  return streamLines(reply, "application/x-ndjson", backlogBytes, (stream) => {
    out = stream;
    for (const line of early.splice(0)) stream.write(JSON.stringify(line));
    void done
      .then(
        (result) =>
          emit({ Type: "done", TotalAcks: result.acks.length, TotalResponses: result.responses.length }),
        (error: unknown) => emit({ Type: "error", Error: (error as Error).message }),
      )
      .finally(() => stream.end());
    // A query cannot be called off: one whose client left runs to its timeout, unheard.
    return () => undefined;
  });
}
