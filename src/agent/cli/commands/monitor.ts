/** `shoal monitor`: streams the agent's log lines until interrupted. */
import { parseClientArgs } from "../client-args.js";

/** Runs `shoal monitor [--log-level info]`. */
export async function monitor(args: readonly string[]): Promise<number> {
  const { values, client } = parseClientArgs(args, { "log-level": { type: "string" } });
  const level = encodeURIComponent(values["log-level"] ?? "info");
  const response = await client.request("GET", `/v1/agent/monitor?loglevel=${level}`);
  if (response.body === null) return 0;
  const decoder = new TextDecoder();
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    process.stdout.write(decoder.decode(chunk, { stream: true }));
  }
  return 0;
}
