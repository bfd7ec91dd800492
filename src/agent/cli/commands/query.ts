/** `shoal query NAME [PAYLOAD]`: a Serf query; prints each ack and response, then totals. */
import { keyValues, parseClientArgs } from "../client-args.js";

/** What `/v1/shoal/query` answers once the query closed. */
interface QueryResult {
  readonly Acks: readonly string[];
  readonly Responses: readonly { readonly From: string; readonly Payload: string }[];
}

/** Runs `shoal query [--node N]... [--tag k=re]... [--timeout 5s] [--no-ack] [--relay-factor N] [--format text|json] NAME [PAYLOAD]`. */
export async function query(args: readonly string[]): Promise<number> {
  const { values, positionals, client } = parseClientArgs(args, {
    node: { type: "string", multiple: true },
    tag: { type: "string", multiple: true },
    timeout: { type: "string" },
    "no-ack": { type: "boolean" },
    "relay-factor": { type: "string" },
    format: { type: "string" },
  });
  const [name, payload, ...extra] = positionals;
  if (name === undefined || extra.length > 0) throw new Error("usage: shoal query [options] NAME [PAYLOAD]");
  const relay = Number(values["relay-factor"] ?? "0");
  if (!Number.isInteger(relay) || relay < 0 || relay > 5)
    throw new Error("--relay-factor must be an integer 0..5");
  const result = (await client.send("POST", "/v1/shoal/query", {
    Name: name,
    Payload: Buffer.from(payload ?? "").toString("base64"),
    FilterNodes: values.node ?? [],
    FilterTags: keyValues("tag", values.tag),
    RequestAck: values["no-ack"] !== true,
    RelayFactor: relay,
    Timeout: values.timeout ?? "",
  })) as QueryResult;
  if (values.format === "json") {
    const responses = Object.fromEntries(
      result.Responses.map((r) => [r.From, Buffer.from(r.Payload, "base64").toString("utf8")]),
    );
    console.log(JSON.stringify({ acks: result.Acks, responses }, null, 2));
    return 0;
  }
  console.log(`Query '${name}' dispatched`);
  for (const from of result.Acks) console.log(`Ack from '${from}'`);
  for (const r of result.Responses) {
    console.log(`Response from '${r.From}': ${Buffer.from(r.Payload, "base64").toString("utf8")}`);
  }
  console.log(`Total Acks: ${result.Acks.length}`);
  console.log(`Total Responses: ${result.Responses.length}`);
  return 0;
}
