/**
 * The transport compliance suites run against every implementation: real UDP/TCP on
 * 127.0.0.1 and ::1, the in-memory network, and the fault-injection decorator with no faults
 * configured (it must be transparent).
 */
import { afterAll, describe, expect, it } from "vitest";
import { FaultController, withFaults } from "../../../src/swim/runtime/fault-injection.js";
import { MemoryNetwork } from "../../../src/swim/runtime/memory-transport.js";
import { bindNetTransports } from "../../../src/swim/runtime/net-transports.js";
import { TcpTransport } from "../../../src/swim/runtime/tcp-transport.js";
import { UdpTransport } from "../../../src/swim/runtime/udp-transport.js";
import { ipv6LoopbackAvailable } from "../../support/ipv6.js";
import { describeWhen } from "../../support/requirements.js";
import { packetTransportCompliance, streamTransportCompliance } from "../../support/transport-compliance.js";

const hasIpv6 = await ipv6LoopbackAvailable();

packetTransportCompliance({
  name: "UDP on 127.0.0.1",
  bind: () => UdpTransport.bind({ host: "127.0.0.1", port: 0 }),
});
streamTransportCompliance({
  name: "TCP on 127.0.0.1",
  bind: () => TcpTransport.listen({ host: "127.0.0.1", port: 0 }),
});

const memory = new MemoryNetwork();
packetTransportCompliance({
  name: "memory",
  bind: async () => (await memory.bind({ host: "10.0.0.1", port: 0 })).packet,
});
streamTransportCompliance({
  name: "memory",
  bind: async () => (await memory.bind({ host: "10.0.0.1", port: 0 })).stream,
});

packetTransportCompliance({
  name: "fault injection (no faults) over UDP",
  bind: async () =>
    withFaults(await bindNetTransports({ host: "127.0.0.1", port: 0 }), new FaultController({ seed: 1 }))
      .packet,
});

describeWhen(hasIpv6, "the IPv6 loopback ::1")("IPv6 loopback", () => {
  packetTransportCompliance({ name: "UDP on ::1", bind: () => UdpTransport.bind({ host: "::1", port: 0 }) });
  streamTransportCompliance({
    name: "TCP on ::1",
    bind: () => TcpTransport.listen({ host: "::1", port: 0 }),
  });
});

describe("binding UDP and TCP together", () => {
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closers) await close();
  });

  it("port 0 picks one port that UDP and TCP both hold", async () => {
    const bound = await bindNetTransports({ host: "127.0.0.1", port: 0 });
    closers.push(
      () => bound.packet.close(),
      () => bound.stream.close(),
    );
    expect(bound.local.port).toBeGreaterThan(0);
    expect(bound.packet.local.port).toBe(bound.local.port);
    expect(bound.stream.local.port).toBe(bound.local.port);
  });

  it("a taken port fails with SHOAL_ERR_BIND naming the address", async () => {
    const bound = await bindNetTransports({ host: "127.0.0.1", port: 0 });
    closers.push(
      () => bound.packet.close(),
      () => bound.stream.close(),
    );
    await expect(bindNetTransports(bound.local)).rejects.toMatchObject({
      code: "SHOAL_ERR_BIND",
      message: expect.stringContaining(`127.0.0.1:${bound.local.port}`),
    });
  });
});
