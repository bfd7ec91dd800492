/**
 * `shoal services register|deregister|list`: manage this agent's own services. `register`
 * takes a Consul service definition file (JSON, `{"Service": {...}}` or the bare object) or
 * flags for the common fields.
 */
import { readFile } from "node:fs/promises";
import { keyValues, parseClientArgs } from "../client-args.js";

/** Runs `shoal services <register|deregister|list> ...`. */
export async function services(args: readonly string[]): Promise<number> {
  const [action, ...rest] = args;
  switch (action) {
    case "register":
      return register(rest);
    case "deregister":
      return deregister(rest);
    case "list":
      return list(rest);
    default:
      throw new Error("usage: shoal services register [FILE | --name N ...] | deregister ID | list");
  }
}

async function register(args: readonly string[]): Promise<number> {
  const { values, positionals, client } = parseClientArgs(args, {
    name: { type: "string" },
    id: { type: "string" },
    address: { type: "string" },
    port: { type: "string" },
    tag: { type: "string", multiple: true },
    meta: { type: "string", multiple: true },
    "check-http": { type: "string" },
    "check-tcp": { type: "string" },
    "check-ttl": { type: "string" },
    "check-interval": { type: "string" },
  });
  const definitions: unknown[] = [];
  for (const file of positionals) {
    const parsed = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
    const list = parsed["Services"] ?? parsed["services"];
    if (Array.isArray(list)) definitions.push(...(list as unknown[]));
    else definitions.push(parsed["Service"] ?? parsed["service"] ?? parsed);
  }
  if (values.name !== undefined) {
    const port = values.port === undefined ? undefined : Number(values.port);
    if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
      throw new Error(`--port must be 0..65535, got "${values.port}"`);
    }
    const check =
      values["check-http"] !== undefined
        ? { HTTP: values["check-http"], Interval: values["check-interval"] ?? "10s" }
        : values["check-tcp"] !== undefined
          ? { TCP: values["check-tcp"], Interval: values["check-interval"] ?? "10s" }
          : values["check-ttl"] !== undefined
            ? { TTL: values["check-ttl"] }
            : undefined;
    definitions.push({
      Name: values.name,
      ...(values.id === undefined ? {} : { ID: values.id }),
      ...(values.address === undefined ? {} : { Address: values.address }),
      ...(port === undefined ? {} : { Port: port }),
      Tags: values.tag ?? [],
      Meta: keyValues("meta", values.meta),
      ...(check === undefined ? {} : { Check: check }),
    });
  }
  if (definitions.length === 0) throw new Error("give a service definition file or --name");
  for (const definition of definitions) {
    await client.send("PUT", "/v1/agent/service/register", definition);
    console.log(`Registered service: ${field(definition, "id") ?? field(definition, "name") ?? "?"}`);
  }
  return 0;
}

/**
 * A string field of a definition, whatever its key's case: the agent reads keys
 * case-insensitively (`name` as `Name`), so the CLI must too when naming what it registered.
 */
function field(definition: unknown, lowerKey: string): string | undefined {
  if (typeof definition !== "object" || definition === null) return undefined;
  const hit = Object.entries(definition as Record<string, unknown>).find(
    ([key]) => key.toLowerCase() === lowerKey,
  )?.[1];
  return typeof hit === "string" && hit !== "" ? hit : undefined;
}

async function deregister(args: readonly string[]): Promise<number> {
  const { positionals, client } = parseClientArgs(args, {});
  if (positionals.length === 0) throw new Error("give the ID of at least one service");
  for (const id of positionals) {
    await client.send("PUT", `/v1/agent/service/deregister/${encodeURIComponent(id)}`);
    console.log(`Deregistered service: ${id}`);
  }
  return 0;
}

async function list(args: readonly string[]): Promise<number> {
  const { values, client } = parseClientArgs(args, { format: { type: "string" } });
  const all =
    await client.get<Record<string, { ID: string; Service: string; Port: number; Tags: string[] }>>(
      "/v1/agent/services",
    );
  if (values.format === "json") {
    console.log(JSON.stringify(all, null, 2));
    return 0;
  }
  for (const s of Object.values(all)) {
    console.log(`${s.ID}  ${s.Service}  port=${s.Port}  tags=${s.Tags.join(",")}`);
  }
  return 0;
}
