/** `shoal leave`: a graceful leave, after which the agent shuts down. */
import { parseClientArgs } from "../client-args.js";

/** Runs `shoal leave`. */
export async function leave(args: readonly string[]): Promise<number> {
  const { client } = parseClientArgs(args, {});
  await client.send("PUT", "/v1/agent/leave");
  console.log("Graceful leave complete");
  return 0;
}
