/**
 * `npm run capture:serf`: records what a real `serf agent` sends on the wire, as test
 * fixtures (test/fixtures/serf/*.bin plus index.json).
 *
 * Two scenarios run against fresh agents on 127.0.0.1 (random ports, debug logs): plaintext
 * with compression (Serf's default), and encrypted with `-encrypt`. In each, a stand-in node
 * built from Shoal's codec joins with a TCP push/pull, answers pings with acks, and keeps
 * every packet and stream it receives. The script then triggers a user event, a query and a
 * tag update through the agent's RPC and picks one representative capture of each kind.
 *
 * Each index entry names the file, the transport, the key (if encrypted) and the facts the
 * bytes must decode to; the facts come from what this script asked the agent to do, not from
 * decoding, so test/unit/codec/serf-fixtures.test.ts checks the codec against Serf itself.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeSerfMessage } from "../src/swim/codec/serf-messages.js";
import { Keyring, encodeBase64 } from "../src/swim/codec/keyring.js";
import { MessageType } from "../src/swim/codec/types.js";
import type { PacketMessage } from "../src/swim/codec/types.js";
import { killAgentsOnSignals, serfCli, sleep, startSerfAgent, waitFor } from "../test/support/serf-agent.js";
import type { SerfAgent } from "../test/support/serf-agent.js";
import { StandinNode } from "../test/support/standin-node.js";
import type { ReceivedPacket } from "../test/support/standin-node.js";

const OUT_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "test", "fixtures", "serf");

/** Facts shared by every capture. */
const AGENT_NAME = "agentA";
const AGENT_TAGS = { role: "web", dc: "east" };
const STANDIN_NAME = "standin";
const STANDIN_TAGS = { role: "standin" };
const EVENT_NAME = "deploy";
// Repetitive enough that LZW wins, so memberlist sends the gossip packet compressed.
const EVENT_PAYLOAD = "v1.2.3 ".repeat(40);
const QUERY_NAME = "uptime";
const QUERY_PAYLOAD = "pl";
const NEW_ROLE = "db";

/** One fixture's index entry. */
interface FixtureEntry {
  readonly file: string;
  readonly description: string;
  readonly transport: "udp" | "tcp";
  /** Base64 key the bytes are encrypted with, or null. */
  readonly key: string | null;
  /** Wire layers present, outermost first (e.g. ["encrypt", "hasCrc", "compress", "compound"]). */
  readonly layers: readonly string[];
  readonly expect: Record<string, unknown>;
}

interface ScenarioResult {
  readonly entries: FixtureEntry[];
  readonly agentPort: number;
  readonly standinPort: number;
}

function layersOf(plain: Uint8Array, encrypted: boolean): string[] {
  const layers: string[] = encrypted ? ["encrypt"] : [];
  let i = 0;
  if (plain[0] === MessageType.hasCrc) {
    layers.push("hasCrc");
    i = 5;
  }
  if (plain[i] === MessageType.compress) layers.push("compress");
  else if (plain[i] === MessageType.compound) layers.push("compound");
  return layers;
}

function serfKinds(messages: readonly PacketMessage[]): string[] {
  return messages.flatMap((m) => {
    if (m.kind !== "user") return [];
    try {
      return [decodeSerfMessage(m.payload).kind];
    } catch {
      return ["?"];
    }
  });
}

function findPacket(
  node: StandinNode,
  what: string,
  pred: (p: ReceivedPacket) => boolean,
  timeoutMs = 8000,
): Promise<ReceivedPacket> {
  return waitFor(what, () => node.packets.find(pred), timeoutMs);
}

async function runScenario(
  tag: string,
  keyB64: string | null,
  files: Map<string, Uint8Array>,
): Promise<ScenarioResult> {
  const encrypted = keyB64 !== null;
  const agent: SerfAgent = await startSerfAgent({
    name: AGENT_NAME,
    tags: AGENT_TAGS,
    ...(keyB64 !== null ? { encryptKey: keyB64 } : {}),
  });
  const node = new StandinNode({
    name: STANDIN_NAME,
    tags: STANDIN_TAGS,
    compress: true,
    ...(keyB64 !== null ? { keyring: Keyring.fromBase64([keyB64]) } : {}),
  });
  const entries: FixtureEntry[] = [];
  const key = keyB64;
  const put = (name: string, bytes: Uint8Array, entry: Omit<FixtureEntry, "file" | "key">): void => {
    const file = `${tag}-${name}.bin`;
    files.set(file, bytes);
    entries.push({ file, key, ...entry });
  };
  try {
    await node.start();
    console.log(`[${tag}] agent pid ${agent.pid} port ${agent.port}, stand-in port ${node.port}`);

    // 1. Join: our push/pull (Join=true) and the agent's reply.
    const reply = await node.pushPull(agent.port, true);
    put("pushpull-reply", reply.raw, {
      description: "The agent's TCP push/pull reply to our join (compressed stream, Serf user state).",
      transport: "tcp",
      layers: [...(encrypted ? ["encrypt"] : []), "compress"],
      expect: {
        kind: "pushPull",
        join: true,
        nodes: [{ name: AGENT_NAME, port: agent.port, addr: "127.0.0.1", state: 0, tags: AGENT_TAGS }],
        serf: { kind: "pushPull", statusLTimesHas: [AGENT_NAME], eventsSlots: 512 },
      },
    });

    // 2. The agent probes us: a ping addressed to our name.
    const ping = await findPacket(node, "a ping", (p) => p.messages[0]?.kind === "ping");
    put("ping", ping.raw, {
      description: "The agent's UDP probe of the stand-in (answered with an ack).",
      transport: "udp",
      layers: layersOf(ping.plain ?? new Uint8Array(0), encrypted),
      expect: { first: { kind: "ping", node: STANDIN_NAME, sourceNode: AGENT_NAME, sourcePort: agent.port } },
    });

    // 3. Gossip of membership state: CRC (our pmax is 5) around a compound of alive messages.
    const gossip = await findPacket(
      node,
      "CRC compound gossip",
      (p) => p.plain?.[0] === MessageType.hasCrc && p.messages.some((m) => m.kind === "alive"),
    );
    put("gossip-alive", gossip.raw, {
      description: "Gossip from the agent: hasCrc around memberlist broadcasts (alive messages).",
      transport: "udp",
      layers: layersOf(gossip.plain ?? new Uint8Array(0), encrypted),
      expect: { aliveNodes: [AGENT_NAME, STANDIN_NAME], crc: true },
    });

    // 4. A user event with a compressible payload: hasCrc + compress + (compound) user message.
    await serfCli(["event", `-rpc-addr=${agent.rpcAddr}`, EVENT_NAME, EVENT_PAYLOAD]);
    const event = await findPacket(node, "user event", (p) => serfKinds(p.messages).includes("userEvent"));
    put("user-event", event.raw, {
      description: `\`serf event ${EVENT_NAME} <payload>\` gossiped to the stand-in (compressed).`,
      transport: "udp",
      layers: layersOf(event.plain ?? new Uint8Array(0), encrypted),
      expect: { userEvent: { name: EVENT_NAME, payload: EVENT_PAYLOAD, lTime: 1, cc: true } },
    });

    if (!encrypted) {
      // 5. A query, with a node filter and a tag filter.
      const query = serfCli(
        [
          "query",
          `-rpc-addr=${agent.rpcAddr}`,
          "-timeout=2s",
          `-node=${STANDIN_NAME}`,
          "-tag=role=stand.*",
          QUERY_NAME,
          QUERY_PAYLOAD,
        ],
        20_000,
      ).catch(() => "");
      const q = await findPacket(node, "query", (p) => serfKinds(p.messages).includes("query"));
      put("query", q.raw, {
        description: `\`serf query -node ${STANDIN_NAME} -tag role=stand.* ${QUERY_NAME} ${QUERY_PAYLOAD}\`.`,
        transport: "udp",
        layers: layersOf(q.plain ?? new Uint8Array(0), encrypted),
        expect: {
          query: {
            name: QUERY_NAME,
            payload: QUERY_PAYLOAD,
            sourceNode: AGENT_NAME,
            port: agent.port,
            addr: "127.0.0.1",
            flags: 1,
            timeoutNs: 2_000_000_000,
            filters: [
              { kind: "node", nodes: [STANDIN_NAME] },
              { kind: "tag", tag: "role", expr: "stand.*" },
            ],
          },
        },
      });
      await query;

      // 6. A tag update: a new alive about the agent with a higher incarnation and new meta.
      await serfCli(["tags", `-rpc-addr=${agent.rpcAddr}`, "-set", `role=${NEW_ROLE}`]);
      const tags = await findPacket(node, "tag update", (p) =>
        p.messages.some(
          (m) =>
            m.kind === "alive" &&
            m.node === AGENT_NAME &&
            Buffer.from(m.meta).includes(Buffer.from(NEW_ROLE)),
        ),
      );
      put("tag-update", tags.raw, {
        description: `\`serf tags -set role=${NEW_ROLE}\`: alive about the agent with new meta.`,
        transport: "udp",
        layers: layersOf(tags.plain ?? new Uint8Array(0), encrypted),
        expect: { alive: { node: AGENT_NAME, tags: { ...AGENT_TAGS, role: NEW_ROLE }, minIncarnation: 2 } },
      });
    }

    // 7. A later push/pull (Join=false): the reply's Serf state now holds the user event.
    await sleep(300);
    const later = await node.pushPull(agent.port, false);
    put("pushpull-after-event", later.raw, {
      description: "Push/pull reply after the user event: the event is in Serf's ring buffer.",
      transport: "tcp",
      layers: [...(encrypted ? ["encrypt"] : []), "compress"],
      expect: {
        kind: "pushPull",
        join: false,
        nodeNames: [AGENT_NAME, STANDIN_NAME],
        serf: { kind: "pushPull", eventName: EVENT_NAME, eventPayload: EVENT_PAYLOAD, minEventLTime: 2 },
      },
    });
    return { entries, agentPort: agent.port, standinPort: node.port };
  } catch (err) {
    console.error(agent.logs());
    throw err;
  } finally {
    await node.close();
    await agent.stop();
  }
}

async function main(): Promise<void> {
  killAgentsOnSignals();
  const key = new Uint8Array(32);
  for (let i = 0; i < key.length; i++) key[i] = (i * 37 + 11) & 0xff;
  const keyB64 = encodeBase64(key);
  const files = new Map<string, Uint8Array>();
  const plain = await runScenario("plain", null, files);
  const secure = await runScenario("encrypted", keyB64, files);
  await mkdir(OUT_DIR, { recursive: true });
  for (const [file, bytes] of files) await writeFile(join(OUT_DIR, file), bytes);
  const version = (await serfCli(["version"])).split("\n")[0] ?? "";
  const index = {
    description:
      "Bytes received from a real `serf agent` by Shoal's stand-in node (scripts/capture-serf.ts). " +
      "Ports are per scenario; every .bin is exactly what arrived on the socket.",
    serfVersion: version,
    agent: { name: AGENT_NAME, tags: AGENT_TAGS },
    standin: { name: STANDIN_NAME, tags: STANDIN_TAGS },
    scenarios: {
      plain: { agentPort: plain.agentPort, standinPort: plain.standinPort, key: null },
      encrypted: { agentPort: secure.agentPort, standinPort: secure.standinPort, key: keyB64 },
    },
    fixtures: [...plain.entries, ...secure.entries],
  };
  await writeFile(join(OUT_DIR, "index.json"), JSON.stringify(index, null, 2) + "\n");
  console.log(`wrote ${files.size} fixtures to ${OUT_DIR}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
