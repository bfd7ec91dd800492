/** The TCP check probe: a connection that opens within the timeout is passing. */
import { connect } from "node:net";
import type { CheckStatus } from "../catalog/record.js";

/** One probe's raw result, before thresholds. */
export interface ProbeResult {
  readonly status: CheckStatus;
  readonly output: string;
}

/** Splits `host:port` / `[v6]:port`. */
export function splitHostPort(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(":");
  let host = address.slice(0, colon);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  return { host, port: Number(address.slice(colon + 1)) };
}

/** Connects to `address` and closes again; never rejects. */
export function tcpProbe(address: string, timeoutMs: number, signal?: AbortSignal): Promise<ProbeResult> {
  const { host, port } = splitHostPort(address);
  return new Promise((resolve) => {
    let settled = false;
    const socket = connect({ host, port });
    const done = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      socket.destroy();
      resolve(result);
    };
    const onAbort = (): void => done({ status: "critical", output: `dial tcp ${address}: canceled` });
    const timer = setTimeout(
      () => done({ status: "critical", output: `dial tcp ${address}: i/o timeout` }),
      timeoutMs,
    );
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.once("connect", () => done({ status: "passing", output: `TCP connect ${address}: Success` }));
    socket.once("error", (error) =>
      done({ status: "critical", output: `dial tcp ${address}: ${error.message}` }),
    );
  });
}
