/** `shoal force-leave NODE [--prune]`: moves a failed member to left (and optionally erases it). */
import { parseClientArgs } from "../client-args.js";

/** Runs `shoal force-leave NODE [--prune]`. */
export async function forceLeave(args: readonly string[]): Promise<number> {
  const { values, positionals, client } = parseClientArgs(args, { prune: { type: "boolean" } });
  const [node, ...extra] = positionals;
  if (node === undefined || extra.length > 0) throw new Error("exactly one node name is required");
  const prune = values.prune === true ? "?prune=1" : "";
  await client.send("PUT", `/v1/agent/force-leave/${encodeURIComponent(node)}${prune}`);
  return 0;
}
