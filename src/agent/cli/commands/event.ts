/** `shoal event NAME [PAYLOAD]`: fires a user event into the cluster. */
import { parseClientArgs } from "../client-args.js";

/** Runs `shoal event [--coalesce=false] NAME [PAYLOAD]`. */
export async function event(args: readonly string[]): Promise<number> {
  const { values, positionals, client } = parseClientArgs(args, {
    coalesce: { type: "string" },
    "no-coalesce": { type: "boolean" },
  });
  const [name, payload, ...extra] = positionals;
  if (name === undefined || extra.length > 0)
    throw new Error("usage: shoal event [--no-coalesce] NAME [PAYLOAD]");
  const coalesce = values["no-coalesce"] === true || values.coalesce === "false" ? "?coalesce=false" : "";
  const answer = (await client.send(
    "PUT",
    `/v1/event/fire/${encodeURIComponent(name)}${coalesce}`,
    payload ?? "",
  )) as { ID?: string } | undefined;
  console.log(`Event '${name}' dispatched!${answer?.ID === undefined ? "" : ` (id ${answer.ID})`}`);
  return 0;
}
