/**
 * The CLI's client for the local agent's HTTP API. Every client command goes through here so
 * that the address, the ACL token and error reporting behave the same everywhere.
 */
import { ErrorCode, ShoalError } from "../../errors.js";

/** Where the agent listens when neither `--http-addr` nor `SHOAL_HTTP_ADDR` says otherwise. */
export const DEFAULT_HTTP_ADDR = "127.0.0.1:8500";

/** Options every client command accepts. */
export interface ClientOptions {
  /** `host:port`, `[v6]:port` or a full `http(s)://` URL. */
  readonly httpAddr?: string | undefined;
  /** ACL token sent as `X-Consul-Token`. */
  readonly token?: string | undefined;
}

/** A request failed: the agent answered with an error, or could not be reached. */
export class AgentRequestError extends ShoalError {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(ErrorCode.http, message);
  }
}

/** Turns `--http-addr` into a base URL (`http://` is assumed unless a scheme is given). */
export function baseUrl(httpAddr: string): string {
  if (/^https?:\/\//.test(httpAddr)) return httpAddr.replace(/\/+$/, "");
  return `http://${httpAddr}`;
}

/** A thin, typed wrapper over `fetch` for the agent's API. */
export class AgentClient {
  private readonly base: string;
  private readonly token: string | undefined;

  constructor(options: ClientOptions, env: NodeJS.ProcessEnv = process.env) {
    this.base = baseUrl(options.httpAddr ?? env["SHOAL_HTTP_ADDR"] ?? DEFAULT_HTTP_ADDR);
    this.token = options.token ?? env["SHOAL_HTTP_TOKEN"];
  }

  /** GET and parse JSON. */
  async get<T>(path: string): Promise<T> {
    return (await this.request("GET", path)).json() as Promise<T>;
  }

  /** PUT (or another method) with an optional JSON or raw body; returns the parsed JSON or text. */
  async send(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await this.request(method, path, body);
    const text = await response.text();
    if (text === "") return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }

  /** The raw response, for streaming endpoints (`monitor`). Throws on a non-2xx answer. */
  async request(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.token !== undefined && this.token !== "") headers["X-Consul-Token"] = this.token;
    let payload: string | Uint8Array | undefined;
    if (body instanceof Uint8Array || typeof body === "string") {
      payload = body;
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers["Content-Type"] = "application/json";
    }
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, { method, headers, body: payload ?? null });
    } catch (error) {
      const reason =
        error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      throw new AgentRequestError(
        `cannot reach the agent at ${this.base} (${reason}); is \`shoal agent\` running? (--http-addr, SHOAL_HTTP_ADDR)`,
        undefined,
      );
    }
    if (!response.ok) {
      const text = (await response.text()).trim();
      throw new AgentRequestError(
        `${method} ${path}: ${response.status} ${text === "" ? response.statusText : text}`,
        response.status,
      );
    }
    return response;
  }
}

/** The lines of a streamed answer (newline-delimited), each as soon as it has arrived whole. */
export async function* responseLines(response: Response): AsyncGenerator<string> {
  if (response.body === null) return;
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(chunk, { stream: true });
    for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
      yield pending.slice(0, nl);
      pending = pending.slice(nl + 1);
    }
  }
  pending += decoder.decode();
  if (pending !== "") yield pending;
}
