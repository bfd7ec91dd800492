/** Free ports on 127.0.0.1 for the tools and benchmarks that start agents as processes. */
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

/** A port free for both TCP and UDP on 127.0.0.1, as an agent's gossip port needs. */
export async function freeGossipPort(): Promise<number> {
  for (;;) {
    const port = await freeTcpPort();
    const udpFree = await new Promise<boolean>((resolve) => {
      const socket = createSocket("udp4");
      socket.once("error", () => resolve(false));
      socket.bind(port, "127.0.0.1", () => socket.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
}
