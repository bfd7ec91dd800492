/**
 * `shoal query NAME [PAYLOAD]`: a Serf query. Like `serf query`, prints each ack and response
 * as it arrives (from the agent's streamed answer), then the totals once the query closed;
 * `--format json` prints everything at the end, as before.
 */
import type { QueryStreamLine } from "../../../http-api/query-stream.js";
import { keyValues, parseClientArgs } from "../client-args.js";
import { type AgentClient, responseLines } from "../http-client.js";

/** What `/v1/shoal/query` answers once the query closed. */
interface QueryResult {
  readonly Acks: readonly string[];
  readonly Responses: readonly { readonly From: string; readonly Payload: string }[];
}

const text = (base64: string): string => Buffer.from(base64, "base64").toString("utf8");

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
  const body = {
    Name: name,
    Payload: Buffer.from(payload ?? "").toString("base64"),
    FilterNodes: values.node ?? [],
    FilterTags: keyValues("tag", values.tag),
    RequestAck: values["no-ack"] !== true,
    RelayFactor: relay,
    Timeout: values.timeout ?? "",
  };
  if (values.format === "json") {
    const result = (await client.send("POST", "/v1/shoal/query", body)) as QueryResult;
    const responses = Object.fromEntries(result.Responses.map((r) => [r.From, text(r.Payload)]));
    console.log(JSON.stringify({ acks: result.Acks, responses }, null, 2));
    return 0;
  }
  await printAsTheyCome(client, name, body);
  return 0;
}

/** Serf's text output, each answer printed as its line arrives. */
async function printAsTheyCome(client: AgentClient, name: string, body: unknown): Promise<void> {
  const response = await client.request("POST", "/v1/shoal/query?stream", body);
  console.log(`Query '${name}' dispatched`);
  for await (const raw of responseLines(response)) {
    const line = parseLine(raw);
    if (line === undefined) {
      // Not an answer: the agent's notice that a slow reader lost lines. Say so, go on.
      console.error(raw);
      continue;
    }
    switch (line.Type) {
      case "ack":
        console.log(`Ack from '${line.From}'`);
        break;
      case "response":
        console.log(`Response from '${line.From}': ${text(line.Payload)}`);
        break;
      case "done":
        console.log(`Total Acks: ${line.TotalAcks}`);
        console.log(`Total Responses: ${line.TotalResponses}`);
        return;
      case "error":
        throw new Error(`query failed: ${line.Error}`);
    }
  }
  throw new Error("the agent closed the query's answer stream before the query ended");
}

function parseLine(raw: string): QueryStreamLine | undefined {
  try {
    const line = JSON.parse(raw) as unknown;
    return typeof line === "object" && line !== null && "Type" in line
      ? (line as QueryStreamLine)
      : undefined;
  } catch {
    return undefined;
  }
}
