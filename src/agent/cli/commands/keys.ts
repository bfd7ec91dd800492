/**
 * `shoal keys`: cluster-wide gossip keyring operations (Serf's internal key queries behind
 * Consul's operator/keyring API). Exits 1 unless every node answered without error.
 */
import { parseClientArgs } from "../client-args.js";

/** One keyring answer, as Consul's `/v1/operator/keyring` returns it. */
interface KeyringAnswer {
  readonly Keys: Readonly<Record<string, number>>;
  readonly PrimaryKeys?: Readonly<Record<string, number>>;
  readonly NumNodes: number;
  readonly Messages?: Readonly<Record<string, string>>;
}

/** Runs `shoal keys --list | --install KEY | --use KEY | --remove KEY`. */
export async function keys(args: readonly string[]): Promise<number> {
  const { values, client } = parseClientArgs(args, {
    list: { type: "boolean" },
    install: { type: "string" },
    use: { type: "string" },
    remove: { type: "string" },
  });
  const chosen = [
    values.list === true ? (["GET", undefined] as const) : undefined,
    values.install === undefined ? undefined : (["POST", values.install] as const),
    values.use === undefined ? undefined : (["PUT", values.use] as const),
    values.remove === undefined ? undefined : (["DELETE", values.remove] as const),
  ].filter((c) => c !== undefined);
  const [operation, ...more] = chosen;
  if (operation === undefined || more.length > 0) {
    throw new Error("give exactly one of --list, --install KEY, --use KEY, --remove KEY");
  }
  const [method, key] = operation;
  const answer = (await client.send(
    method,
    "/v1/operator/keyring",
    key === undefined ? undefined : { Key: key },
  )) as KeyringAnswer[] | undefined;
  for (const ring of answer ?? []) {
    for (const [node, message] of Object.entries(ring.Messages ?? {})) console.error(`  ${node}: ${message}`);
    if (method === "GET") {
      console.log(`Keys installed on ${ring.NumNodes} nodes:`);
      for (const [k, count] of Object.entries(ring.Keys)) {
        const primary = ring.PrimaryKeys?.[k] !== undefined ? " (primary)" : "";
        console.log(`  ${k} [${count}/${ring.NumNodes}]${primary}`);
      }
    }
  }
  if (method !== "GET")
    console.log(
      `Successfully ${{ POST: "installed", PUT: "changed primary to", DELETE: "removed" }[method]} key`,
    );
  return 0;
}
