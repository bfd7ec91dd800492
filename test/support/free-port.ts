/**
 * Free ports on 127.0.0.1 for test agents. memberlist binds the same number for UDP and TCP,
 * so a port counts as free only when both binds succeed.
 */
import { createSocket } from "node:dgram";
import { createServer } from "node:net";

/** Where to look for a free port. */
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

/** A random port free for both UDP and TCP on 127.0.0.1. */
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
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createSocket("udp4");
    sock.once("error", () => {
      sock.close();
      resolve(false);
    });
    sock.bind(port, "127.0.0.1", () => sock.close(() => resolve(true)));
  });
}
