/**
 * Binds UDP and TCP on one port, as memberlist does (`net_transport.go`): peers learn a single
 * `addr:port` and use it for both. With port 0 the TCP listener takes a port from the OS
 * first (TCP ports are the scarcer, longer-held resource), then UDP tries the same number;
 * if UDP is taken there, both are released and another port is tried.
 */
import { ErrorCode, ShoalError } from "../../errors.js";
import type { Address } from "../core/api.js";
import { formatAddress } from "./address.js";
import { TcpTransport } from "./tcp-transport.js";
import type { BoundTransports } from "./transport.js";
import { UdpTransport } from "./udp-transport.js";

/** memberlist retries a dynamic port this many times. */
const PORT_ATTEMPTS = 10;

/**
 * Binds a {@link UdpTransport} and a {@link TcpTransport} on the same address and port. Rejects
 * with `SHOAL_ERR_BIND` naming the address when the port (or, for port 0, every attempt) fails.
 */
export async function bindNetTransports(bind: Address): Promise<BoundTransports> {
  const attempts = bind.port === 0 ? PORT_ATTEMPTS : 1;
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    const stream = await TcpTransport.listen(bind);
    try {
      const packet = await UdpTransport.bind({ host: bind.host, port: stream.local.port });
      return { packet, stream, local: stream.local };
    } catch (err) {
      lastError = err;
      await stream.close();
    }
  }
  throw new ShoalError(
    ErrorCode.bind,
    `cannot bind UDP and TCP on the same port at ${formatAddress(bind)} after ${attempts} attempt(s): ${
      lastError instanceof Error ? lastError.message : String(lastError)
    }`,
    { cause: lastError },
  );
}
