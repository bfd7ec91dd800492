/**
 * The HTTP check probe: 2xx is passing, 429 (Too Many Requests) is warning, anything else —
 * including a connection error or the timeout — is critical. The first `outputMaxSize` bytes
 * of the body go into the output, in Consul's format
 * (`HTTP GET <url>: 200 OK Output: <body>`). Redirects are followed (up to 10), as Go's HTTP
 * client does, unless the check disables them.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { HttpCheckDefinition } from "./check-definition.js";
import { truncateOutput } from "./output.js";
import type { ProbeResult } from "./tcp-probe.js";

const MAX_REDIRECTS = 10;

interface Answer {
  readonly statusCode: number;
  readonly statusMessage: string;
  readonly location: string | undefined;
  readonly body: string;
}

function send(url: URL, check: HttpCheckDefinition, signal: AbortSignal): Promise<Answer> {
  const headers: Record<string, string | string[]> = {
    "User-Agent": "Consul Health Check",
    Accept: "text/plain, text/*, */*",
  };
  for (const [name, values] of Object.entries(check.header)) headers[name] = [...values];
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: check.method,
      headers,
      signal,
      rejectUnauthorized: !check.tlsSkipVerify,
      ...(check.tlsServerName === "" ? {} : { servername: check.tlsServerName }),
    });
    req.once("error", reject);
    req.once("response", (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = (): void => {
        res.destroy();
        const location = res.headers.location;
        resolve({
          statusCode: res.statusCode ?? 0,
          statusMessage: res.statusMessage ?? "",
          location: typeof location === "string" ? location : undefined,
          body: truncateOutput(Buffer.concat(chunks).toString("utf8"), check.outputMaxSize),
        });
      };
      res.on("data", (chunk: Buffer) => {
        if (size > check.outputMaxSize) return;
        chunks.push(chunk);
        size += chunk.length;
        // Enough output captured: stop reading a large or endless body.
        if (size > check.outputMaxSize) finish();
      });
      res.once("end", finish);
      res.once("error", reject);
    });
    req.end(check.body === "" ? undefined : check.body);
  });
}

/** Probes `check` once within `timeoutMs`; never rejects. */
export async function httpProbe(
  check: HttpCheckDefinition,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  const deadline = AbortSignal.timeout(timeoutMs);
  const combined = signal === undefined ? deadline : AbortSignal.any([deadline, signal]);
  let url = new URL(check.url);
  const prefix = (): string => `HTTP ${check.method} ${url.href}`;
  try {
    for (let redirects = 0; ; redirects++) {
      const answer = await send(url, check, combined);
      const redirect = answer.statusCode >= 300 && answer.statusCode < 400 && answer.location !== undefined;
      if (redirect && !check.disableRedirects && redirects < MAX_REDIRECTS && answer.location !== undefined) {
        url = new URL(answer.location, url);
        continue;
      }
      const status =
        answer.statusCode >= 200 && answer.statusCode < 300
          ? "passing"
          : answer.statusCode === 429
            ? "warning"
            : "critical";
      const output = `${prefix()}: ${answer.statusCode} ${answer.statusMessage} Output: ${answer.body}`;
      return { status, output: truncateOutput(output, check.outputMaxSize) };
    }
  } catch (error) {
    const reason = deadline.aborted ? `timed out after ${timeoutMs}ms` : (error as Error).message;
    return { status: "critical", output: truncateOutput(`${prefix()}: ${reason}`, check.outputMaxSize) };
  }
}
