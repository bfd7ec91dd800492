/**
 * Long-lived chunked responses (`/v1/agent/monitor`, `/v1/event/stream`, a streamed
 * `/v1/shoal/query`). Lines are written
 * as they come; a client that reads slower than they come loses lines rather than growing
 * the agent's memory (a marker line says how many were dropped).
 */
import { PassThrough } from "node:stream";
import type { FastifyReply } from "fastify";

/** The writing end of a streamed response. */
export interface LineStream {
  /** Queues one line (a newline is added). */
  write(line: string): void;
  /** Ends the response once the queued lines are out (streams that have a last line). */
  end(): void;
}

/**
 * Starts a streamed response of `contentType`. `subscribe` receives the stream and returns
 * its unsubscribe function, which runs when the client goes away.
 */
export function streamLines(
  reply: FastifyReply,
  contentType: string,
  backlogBytes: number,
  subscribe: (stream: LineStream) => () => void,
): FastifyReply {
  const body = new PassThrough();
  let dropped = 0;
  const stream: LineStream = {
    write(line) {
      if (body.destroyed) return;
      if (body.writableLength > backlogBytes) {
        dropped++;
        return;
      }
      if (dropped > 0) {
        body.write(`[WARN] monitor: ${dropped} lines dropped (client too slow)\n`);
        dropped = 0;
      }
      body.write(`${line}\n`);
    },
    end() {
      if (!body.destroyed) body.end();
    },
  };
  const unsubscribe = subscribe(stream);
  reply.raw.once("close", () => {
    unsubscribe();
    body.destroy();
  });
  // Node sends headers with the first body chunk; a quiet stream must still look open to the
  // client, so flush them as soon as fastify pipes the body (it has set them by then).
  reply.raw.once("pipe", () => reply.raw.flushHeaders());
  return reply.header("Content-Type", contentType).header("Cache-Control", "no-cache").send(body);
}
