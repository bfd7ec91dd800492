/**
 * Encryption and labels at the runtime boundary (PROTOCOL.md sections 3.3-3.5): a node with
 * the wrong key cannot join, and what it sends is counted as undecryptable and dropped; a
 * plaintext node and a different label are refused likewise; migration settings
 * (gossipVerifyIncoming/Outgoing false) let plaintext and keyed nodes coexist; keys rotate
 * without a restart.
 */
import { createSocket } from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { localConfig } from "../../../src/swim/core/config.js";
import { Keyring } from "../../../src/swim/codec/keyring.js";
import { encodePacketMessages } from "../../../src/swim/codec/packet.js";
import { sealPacket } from "../../../src/swim/codec/security.js";
import type { Address } from "../../../src/swim/core/api.js";
import {
  aliveNames,
  closeAll,
  sleep,
  startCluster,
  startRuntime,
  waitFor,
} from "../../support/runtime-cluster.js";

const config = localConfig();
const key = (seed: number): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => (i * 13 + seed) & 0xff);
const K1 = key(1);
const K2 = key(2);

afterEach(closeAll);

/** Sends raw datagrams from a throwaway socket, as a misconfigured peer would. */
async function sendRaw(to: Address, packets: readonly Uint8Array[]): Promise<void> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  for (const p of packets) {
    await new Promise<void>((resolve, reject) =>
      socket.send(p, to.port, to.host, (err) => (err ? reject(err) : resolve())),
    );
  }
  await new Promise<void>((resolve) => socket.close(() => resolve()));
}

describe("NodeRuntime security settings", () => {
  it("a node with the wrong key cannot join; its streams and packets are counted undecryptable", async () => {
    const [a, b] = await startCluster(2, { config, keyring: Keyring.of([K1]) }, "k1");
    const intruder = await startRuntime({ name: "k2-intruder", config, keyring: Keyring.of([K2]) });

    await expect(intruder.join([a!.advertise])).rejects.toMatchObject({ code: "SHOAL_ERR_JOIN" });
    expect(a!.stats.dropped.stream.undecryptable).toBe(1);
    // a answered with an error message sealed with K1, which the intruder cannot read either.
    expect(intruder.stats.dropped.stream.undecryptable).toBe(1);

    // A ping as the intruder would seal it.
    const ping = encodePacketMessages([{ kind: "ping", seqNo: 1, node: "k1-0" }], {
      compress: false,
      crc: false,
    });
    await sendRaw(a!.advertise, [sealPacket(ping, { keyring: Keyring.of([K2]) })]);
    await waitFor(
      "the ping to be dropped",
      () => (a!.stats.dropped.packet.undecryptable === 1 ? true : undefined),
      2_000,
    );

    await sleep(2 * config.probeIntervalMs);
    expect(aliveNames(a!)).toEqual(["k1-0", "k1-1"]);
    expect(aliveNames(b!)).toEqual(["k1-0", "k1-1"]);
    expect(aliveNames(intruder)).toEqual(["k2-intruder"]);
    expect(a!.stats.internalErrors).toBe(0);
  });

  it("refuses a plaintext node and a node with another label", async () => {
    const [a] = await startCluster(2, { config, keyring: Keyring.of([K1]), label: "prod" }, "lab");
    const plain = await startRuntime({ name: "plain", config, label: "prod" });
    await expect(plain.join([a!.advertise])).rejects.toMatchObject({ code: "SHOAL_ERR_JOIN" });
    expect(a!.stats.dropped.stream.undecryptable).toBe(1);

    const other = await startRuntime({ name: "other", config, keyring: Keyring.of([K1]), label: "staging" });
    await expect(other.join([a!.advertise])).rejects.toMatchObject({ code: "SHOAL_ERR_JOIN" });
    expect(a!.stats.dropped.stream.labelMismatch).toBe(1);
    expect(aliveNames(a!)).toEqual(["lab-0", "lab-1"]);
  });

  it("lets plaintext and keyed nodes form one cluster while migrating (verify flags off)", async () => {
    const migrating = { gossipVerifyIncoming: false, gossipVerifyOutgoing: false, keyring: Keyring.of([K1]) };
    const nodes = await startCluster(3, { config }, "mig", (i) => (i === 0 ? {} : migrating));
    await sleep(2 * config.probeIntervalMs);
    for (const rt of nodes) expect(aliveNames(rt)).toHaveLength(3);
    expect(nodes.every((rt) => rt.stats.dropped.packet.undecryptable === 0)).toBe(true);
  });

  it("rotates keys without a restart: install, use, remove", async () => {
    const nodes = await startCluster(3, { config, keyring: Keyring.of([K1]) }, "rot");
    for (const rt of nodes) rt.setKeyring(Keyring.of([K1, K2])); // install K2, K1 still primary
    await sleep(config.probeIntervalMs);
    for (const rt of nodes) rt.setKeyring(Keyring.of([K1, K2], K2)); // use K2
    await sleep(config.probeIntervalMs);
    for (const rt of nodes) rt.setKeyring(Keyring.of([K2])); // remove K1
    const late = await startRuntime({ name: "rot-late", config, keyring: Keyring.of([K2]) });
    // Join all three: one seed would leave the others to gossip luck (see startCluster).
    await late.join(nodes.map((rt) => rt.advertise));
    await waitFor(
      "4 alive everywhere",
      () => ([...nodes, late].every((rt) => aliveNames(rt).length === 4) ? true : undefined),
      10_000,
    );
    await sleep(2 * config.probeIntervalMs);
    for (const rt of nodes) {
      expect(aliveNames(rt)).toHaveLength(4);
      expect(rt.stats.dropped.packet.undecryptable).toBe(0);
    }
  });
});
