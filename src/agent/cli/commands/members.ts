/** `shoal members`: the agent's view of the cluster, filtered like Serf's. */
import { keyValues, parseClientArgs } from "../client-args.js";
import { type AgentMember, filterMembers, formatMembers, hostPort, statusWord } from "../member-format.js";

/** Runs `shoal members [--name re] [--status re] [--tag k=re]... [--detailed] [--format text|json]`. */
export async function members(args: readonly string[]): Promise<number> {
  const { values, client } = parseClientArgs(args, {
    name: { type: "string" },
    status: { type: "string" },
    tag: { type: "string", multiple: true },
    detailed: { type: "boolean" },
    format: { type: "string" },
  });
  const format = values.format ?? "text";
  if (format !== "text" && format !== "json")
    throw new Error(`--format must be text or json, got "${format}"`);
  const all = await client.get<AgentMember[]>("/v1/agent/members");
  const shown = filterMembers(all, {
    name: values.name,
    status: values.status,
    tags: keyValues("tag", values.tag),
  });
  if (format === "json") {
    // Serf's `members -format json` shape, where `addr` is `host:port` (scripts parse it).
    const rows = shown.map((m) => ({
      name: m.Name,
      addr: hostPort(m.Addr, m.Port),
      port: m.Port,
      tags: m.Tags,
      status: statusWord(m.Status),
      protocol: { min: m.ProtocolMin, max: m.ProtocolMax, version: m.ProtocolCur },
    }));
    console.log(JSON.stringify({ members: rows }, null, 2));
  } else if (shown.length > 0) {
    console.log(formatMembers(shown, values.detailed ?? false));
  }
  return 0;
}
