/** `shoal tags --set k=v --delete k`: changes the running agent's tags. */
import { keyValues, parseClientArgs } from "../client-args.js";

/** Runs `shoal tags [--set k=v]... [--delete k]...`. */
export async function tags(args: readonly string[]): Promise<number> {
  const { values, client } = parseClientArgs(args, {
    set: { type: "string", multiple: true },
    delete: { type: "string", multiple: true },
  });
  const set = keyValues("set", values.set);
  const remove = values.delete ?? [];
  if (Object.keys(set).length === 0 && remove.length === 0)
    throw new Error("give at least one --set k=v or --delete k");
  const result = (await client.send("PUT", "/v1/shoal/tags", { Set: set, Delete: remove })) as {
    Tags: Record<string, string>;
  };
  console.log("Successfully updated agent tags");
  for (const [k, v] of Object.entries(result.Tags)) console.log(`  ${k}=${v}`);
  return 0;
}
