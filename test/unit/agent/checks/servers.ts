import { createServer, type Server } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from "node:net";

/** A local HTTP server whose answer tests change on the fly. */
export interface ControlledHttp {
  readonly url: string;
  status: number;
  body: string;
  delayMs: number;
  hits: number;
  lastHeaders: Record<string, string | string[] | undefined>;
  lastMethod: string;
  lastBody: string;
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1, port 0. `/redirect` redirects to `/`. */
export async function httpServer(): Promise<ControlledHttp> {
  const state = {
    status: 200,
    body: "OK",
    delayMs: 0,
    hits: 0,
    lastHeaders: {},
    lastMethod: "",
    lastBody: "",
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.url === "/redirect") {
        res.writeHead(302, { Location: "/" }).end();
        return;
      }
      controlled.hits++;
      controlled.lastHeaders = req.headers;
      controlled.lastMethod = req.method ?? "";
      controlled.lastBody = Buffer.concat(chunks).toString();
      setTimeout(() => res.writeHead(controlled.status).end(controlled.body), controlled.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const controlled: ControlledHttp = {
    ...state,
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return controlled;
}

/** A TCP listener on 127.0.0.1, port 0; `address` is `host:port`. */
export async function tcpServer(): Promise<{ address: string; close(): Promise<void> }> {
  const server: TcpServer = createTcpServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A port nothing listens on (bound then released). */
export async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls `condition` until it holds or `timeoutMs` passes. */
export async function eventually(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
