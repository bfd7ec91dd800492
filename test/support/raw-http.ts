/**
 * A minimal HTTP/1.1 client over a raw TCP socket, for tests that must put a request target
 * on the wire byte for byte. `inject()` and Node's own clients parse the URL first (WHATWG
 * rules resolve `.`/`..` and `%2e` segments, and read `//host/…` as an authority), so they
 * never deliver the obfuscated paths an attacker can send; the server's router must be tested
 * on exactly those bytes.
 */
import { connect } from "node:net";

/** What {@link rawRequest} read back. */
export interface RawResponse {
  /** The status code of the status line (0 if the server closed without one). */
  readonly status: number;
  /** Header names in lower case; a repeated header keeps its last value. */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * The body bytes read before the response ended or was abandoned, as text. Chunked framing
   * is left in place: tests only look for (the absence of) substrings in it.
   */
  readonly body: string;
  /** Whether the server ended the response; false when it was still streaming after `holdMs`. */
  readonly complete: boolean;
}

/** Options of {@link rawRequest}. */
export interface RawRequestOptions {
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /**
   * How long to keep reading after the response head arrived before hanging up (default
   * 50 ms). Streamed responses (`/v1/agent/monitor`) never end on their own; hanging up is
   * what a client does, and the server must then release the stream.
   */
  readonly holdMs?: number;
  /** Give up (reject) if no response head arrived by then (default 5 s). */
  readonly timeoutMs?: number;
}

/**
 * Sends `method target HTTP/1.1` to 127.0.0.1:`port` with `Connection: close`, and reads the
 * response until the server closes or `holdMs` after its head.
 */
export function rawRequest(
  port: number,
  method: string,
  target: string,
  options: RawRequestOptions = {},
): Promise<RawResponse> {
  const body = options.body ?? "";
  const head = [
    `${method} ${target} HTTP/1.1`,
    "Host: 127.0.0.1",
    "Connection: close",
    ...Object.entries(options.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    ...(body === "" ? [] : [`Content-Length: ${Buffer.byteLength(body)}`]),
  ].join("\r\n");
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    let hold: NodeJS.Timeout | undefined;
    let settled = false;
    const giveUp = setTimeout(
      () => finish(new Error(`no response to ${method} ${target}`)),
      options.timeoutMs ?? 5000,
    );
    const finish = (error?: Error, complete = true): void => {
      if (settled) return;
      settled = true;
      clearTimeout(giveUp);
      clearTimeout(hold);
      socket.destroy();
      if (error !== undefined) return reject(error);
      resolve(parse(Buffer.concat(chunks).toString("latin1"), complete));
    };
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      if (hold === undefined && Buffer.concat(chunks).includes("\r\n\r\n")) {
        hold = setTimeout(() => finish(undefined, false), options.holdMs ?? 50);
      }
    });
    socket.on("end", () => finish());
    // A reset after the head still leaves a usable answer; before it, the status stays 0.
    socket.on("error", () => finish());
    socket.write(`${head}\r\n\r\n${body}`);
  });
}

function parse(text: string, complete: boolean): RawResponse {
  const split = text.indexOf("\r\n\r\n");
  const headText = split < 0 ? text : text.slice(0, split);
  const [statusLine = "", ...lines] = headText.split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status, headers, body: split < 0 ? "" : text.slice(split + 4), complete };
}
