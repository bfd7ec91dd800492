/** `shoal join ADDR...`: asks the agent to join a cluster through each address. */
import { parseClientArgs } from "../client-args.js";

/** Runs `shoal join ADDR [ADDR...]`; exits 1 unless at least one address was joined. */
export async function join(args: readonly string[]): Promise<number> {
  const { positionals, client } = parseClientArgs(args, {});
  if (positionals.length === 0) throw new Error("at least one address to join is required");
  let joined = 0;
  const failures: string[] = [];
  for (const address of positionals) {
    try {
      await client.send("PUT", `/v1/agent/join/${encodeURIComponent(address)}`);
      joined++;
    } catch (error) {
      failures.push(`${address}: ${(error as Error).message}`);
    }
  }
  for (const failure of failures) console.error(`Error joining ${failure}`);
  if (joined === 0) return 1;
  console.log(`Successfully joined cluster by contacting ${joined} nodes.`);
  return 0;
}
