/**
 * Cluster labels keep two clusters on one machine apart: a cross join fails, nobody learns a
 * member of the other cluster, every foreign packet and stream is dropped and counted
 * (`/v1/agent/self` Stats.gossip), and the mismatch is logged once per peer, not per packet.
 */
import { createSocket } from "node:dgram";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addLabel } from "../../../src/swim/codec/label.js";
import { encodePacketMessages } from "../../../src/swim/codec/packet.js";
import { waitFor } from "../../support/serf-agent.js";
import { startShoalAgent, type ShoalAgent } from "../../support/shoal-agent.js";
import { shoalCli } from "./cli.js";

interface Member {
  readonly Name: string;
  readonly Status: number;
}
interface Self {
  readonly Stats: { readonly gossip: Readonly<Record<string, string>> };
}

const names = async (a: ShoalAgent): Promise<string[]> =>
  (await a.get<Member[]>("/v1/agent/members")).map((m) => m.Name).sort();
const counter = async (a: ShoalAgent, name: string): Promise<number> =>
  Number((await a.get<Self>("/v1/agent/self")).Stats.gossip[name] ?? 0);

async function sendFrom(port: number, packets: readonly Uint8Array[]): Promise<number> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  const from = socket.address().port;
  for (const p of packets) {
    await new Promise<void>((resolve, reject) =>
      socket.send(p, port, "127.0.0.1", (err) => (err ? reject(err) : resolve())),
    );
  }
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return from;
}

describe("two labelled clusters on one machine", () => {
  const blue: ShoalAgent[] = [];
  const green: ShoalAgent[] = [];

  beforeAll(async () => {
    for (const [list, label] of [
      [blue, "blue"],
      [green, "green"],
    ] as const) {
      list.push(
        await startShoalAgent({ name: `${label}0`, profile: "local", extraArgs: ["--label", label] }),
      );
      list.push(
        await startShoalAgent({
          name: `${label}1`,
          profile: "local",
          join: [`127.0.0.1:${list[0]!.port}`],
          extraArgs: ["--label", label],
        }),
      );
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...blue, ...green].map((a) => a.kill()));
  });

  it("refuses a cross join and never merges", async () => {
    const joined = await shoalCli(["join", "--http-addr", green[0]!.httpAddr, `127.0.0.1:${blue[0]!.port}`]);
    expect(joined.code).not.toBe(0);
    await waitFor(
      "the refused stream to be counted",
      async () => ((await counter(blue[0]!, "dropped_stream_labelMismatch")) >= 1 ? true : undefined),
      5_000,
    );
    for (const a of blue) expect(await names(a)).toEqual(["blue0", "blue1"]);
    for (const a of green) expect(await names(a)).toEqual(["green0", "green1"]);
  });

  it("drops and counts every foreign packet, and logs each peer once", async () => {
    const target = blue[1]!;
    const before = await counter(target, "dropped_packet_labelMismatch");
    const ping = encodePacketMessages([{ kind: "ping", seqNo: 7, node: "blue1" }], {
      compress: false,
      crc: false,
    });
    const foreign = Array.from({ length: 10 }, () => addLabel("green", ping));
    const unlabelled = Array.from({ length: 5 }, () => ping);
    const peerA = await sendFrom(target.port, foreign);
    const peerB = await sendFrom(target.port, unlabelled);
    await waitFor(
      "15 label drops",
      async () =>
        (await counter(target, "dropped_packet_labelMismatch")) - before === 15 ? true : undefined,
      5_000,
    );
    const lines = target.logs().split("\n");
    const about = (port: number) =>
      lines.filter((l) => l.includes(`ignoring gossip from 127.0.0.1:${port}:`));
    expect(about(peerA)).toHaveLength(1);
    expect(about(peerA)[0]).toContain('cluster label \\"green\\" is not ours (\\"blue\\")');
    expect(about(peerB)).toHaveLength(1);
    expect(await names(target)).toEqual(["blue0", "blue1"]);
  });
});
