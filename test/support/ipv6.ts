/** Whether this machine can use the IPv6 loopback, so IPv6 tests can skip loudly when not. */
import { createSocket } from "node:dgram";

/** True when a UDP socket can bind `::1`. */
export function ipv6LoopbackAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket("udp6");
    socket.once("error", () => {
      socket.close();
      resolve(false);
    });
    socket.bind(0, "::1", () => socket.close(() => resolve(true)));
  });
}
