/**
 * Free ports on 127.0.0.1 for the tools, benchmarks and tests that start agents. memberlist
 * binds the same number for UDP and TCP, so a gossip port counts as free only when both
 * binds succeed.
 */
import { createSocket } from "node:dgram";
import { createServer } from "node:net";

/** A TCP port on 127.0.0.1 that was free a moment ago (the kernel picked it). */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A port the kernel picked that is free for both TCP and UDP on 127.0.0.1. */
export async function freeGossipPort(): Promise<number> {
  for (;;) {
    const port = await freeTcpPort();
    if (await udpFree(port)) return port;
  }
}

/** Where {@link freePort} looks. */
export interface FreePortOptions {
  /** Lowest port tried (default 20000). */
  readonly from?: number;
  /** How many ports from `from` may be tried (default 40000). */
  readonly count?: number;
  /** Ports not to return, e.g. ones already handed out but not yet bound. */
  readonly exclude?: readonly number[];
  /** Random picks before giving up (default 50). */
  readonly attempts?: number;
}

/** A random port in a range, free for both UDP and TCP on 127.0.0.1. */
export async function freePort(options: FreePortOptions = {}): Promise<number> {
  const { from = 20_000, count = 40_000, exclude = [], attempts = 50 } = options;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = from + Math.floor(Math.random() * count);
    if (exclude.includes(port)) continue;
    if ((await tcpFree(port)) && (await udpFree(port))) return port;
  }
  throw new Error(`no free port in ${from}-${from + count - 1}`);
}

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket("udp4");
    socket.once("error", () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, "127.0.0.1", () => socket.close(() => resolve(true)));
  });
}
