/** `shoal info`: the agent's self description and statistics, in Serf's sections. */
import { parseClientArgs } from "../client-args.js";

/** Runs `shoal info [--format text|json]`. */
export async function info(args: readonly string[]): Promise<number> {
  const { values, client } = parseClientArgs(args, { format: { type: "string" } });
  const self = await client.get<
    { Stats?: Record<string, Record<string, unknown>> } & Record<string, unknown>
  >("/v1/agent/self");
  if (values.format === "json") {
    console.log(JSON.stringify(self, null, 2));
    return 0;
  }
  for (const [section, entries] of Object.entries(self.Stats ?? {})) {
    console.log(`${section}:`);
    for (const [key, value] of Object.entries(entries)) console.log(`\t${key} = ${String(value)}`);
  }
  return 0;
}
