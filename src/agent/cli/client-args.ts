/**
 * Argument parsing shared by the client commands: each declares its own options and gets the
 * common `--http-addr` and `--token` for free. Unknown flags are an error naming the flag.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { AgentClient } from "./http-client.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

const common = {
  "http-addr": { type: "string" },
  token: { type: "string" },
} as const satisfies Options;

/** Parsed arguments of one client command, with a ready client. */
export interface ClientArgs<V> {
  readonly values: V;
  readonly positionals: readonly string[];
  readonly client: AgentClient;
}

/** Parses `args` with the command's `options` plus the common ones. */
export function parseClientArgs<O extends Options>(
  args: readonly string[],
  options: O,
): ClientArgs<
  ReturnType<typeof parseArgs<{ options: O & typeof common; allowPositionals: true }>>["values"]
> {
  const parsed = parseArgs({
    args: [...args],
    options: { ...options, ...common },
    allowPositionals: true,
    strict: true,
  });
  const values = parsed.values as Record<string, unknown>;
  const client = new AgentClient({
    httpAddr: values["http-addr"] as string | undefined,
    token: values["token"] as string | undefined,
  });
  return { values: parsed.values as never, positionals: parsed.positionals, client };
}

/** Splits repeatable `k=v` flags into a record; a missing `=` is an error naming the flag. */
export function keyValues(flag: string, items: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items ?? []) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new Error(`--${flag} expects key=value, got "${item}"`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}
