import { describe, expect, it } from "vitest";

import { addressKey, bytesToIp, ipToBytes } from "../../../src/swim/core/address.js";
import { pushPullScaleMs } from "../../../src/swim/core/push-pull.js";
import { AGENT_PROFILES, lanConfig, localConfig, wanConfig } from "../../../src/swim/core/config.js";

describe("address helpers", () => {
  it("round-trips IPv4 and IPv6 like Go's net.IP", () => {
    expect(ipToBytes("127.0.0.1")).toEqual(Uint8Array.from([127, 0, 0, 1]));
    expect(bytesToIp(Uint8Array.from([10, 1, 2, 3]))).toBe("10.1.2.3");
    const v6 = ipToBytes("2001:db8::1")!;
    expect(v6.length).toBe(16);
    expect(bytesToIp(v6)).toBe("2001:db8::1");
    expect(bytesToIp(ipToBytes("::1")!)).toBe("::1");
    expect(bytesToIp(ipToBytes("::")!)).toBe("::");
    expect(bytesToIp(ipToBytes("::ffff:10.0.0.1")!)).toBe("10.0.0.1");
    expect(bytesToIp(ipToBytes("fe80:0:0:1:0:0:0:2")!)).toBe("fe80:0:0:1::2");
    for (const bad of ["", "1.2.3", "256.1.1.1", "a.b.c.d", "1::2::3", "12345::", "localhost"]) {
      expect(ipToBytes(bad)).toBeUndefined();
    }
    expect(bytesToIp(new Uint8Array(5))).toBeUndefined();
    expect(addressKey({ host: "::1", port: 80 })).toBe("[::1]:80");
  });
});

describe("config presets (PROTOCOL.md 2.1)", () => {
  it("are memberlist's LAN, WAN and Local defaults, every key", () => {
    const lan = {
      probeIntervalMs: 1000,
      probeTimeoutMs: 500,
      indirectChecks: 3,
      retransmitMult: 4,
      suspicionMult: 4,
      suspicionMaxTimeoutMult: 6,
      pushPullIntervalMs: 30000,
      tcpTimeoutMs: 10000,
      gossipIntervalMs: 200,
      gossipNodes: 3,
      gossipToTheDeadTimeMs: 30000,
      awarenessMaxMultiplier: 8,
      udpBufferSize: 1400,
      enableCompression: true,
      disableTcpPings: false,
      protocolVersion: 2,
      protocolMin: 1,
      protocolMax: 5,
      delegateProtocolMin: 0,
      delegateProtocolMax: 0,
      delegateProtocolVersion: 0,
      deadNodeReclaimTimeMs: 0,
      handoffQueueDepth: 1024,
      maxConcurrentPushPulls: 128,
      // Shell framing, none without a label or key.
      packetOverheadBytes: 0,
      // Serf's BroadcastTimeout.
      leaveTimeoutMs: 5000,
      // Shoal additions: the fairness reserve issue #299 asks for is on; the refused-port
      // shortcut is off (memberlist's failure detection exactly; the agent turns it on).
      userBroadcastReserveBytes: 600,
      refusedSuspicionTimeoutMs: 0,
    };
    expect(lanConfig()).toEqual(lan);
    expect(wanConfig()).toEqual({
      ...lan,
      tcpTimeoutMs: 30000,
      suspicionMult: 6,
      pushPullIntervalMs: 60000,
      probeIntervalMs: 5000,
      probeTimeoutMs: 3000,
      gossipNodes: 4,
      gossipIntervalMs: 500,
      gossipToTheDeadTimeMs: 60000,
    });
    expect(localConfig()).toEqual({
      ...lan,
      tcpTimeoutMs: 1000,
      indirectChecks: 1,
      retransmitMult: 2,
      suspicionMult: 3,
      pushPullIntervalMs: 15000,
      probeTimeoutMs: 200,
      gossipIntervalMs: 100,
      gossipToTheDeadTimeMs: 15000,
    });
  });

  it("the agent's profiles are the presets plus the refused-port shortcut (2 s LAN/Local, 10 s WAN)", () => {
    expect(AGENT_PROFILES.lan()).toEqual({ ...lanConfig(), refusedSuspicionTimeoutMs: 2000 });
    expect(AGENT_PROFILES.wan()).toEqual({ ...wanConfig(), refusedSuspicionTimeoutMs: 10000 });
    expect(AGENT_PROFILES.local()).toEqual({ ...localConfig(), refusedSuspicionTimeoutMs: 2000 });
  });

  it("push/pull interval scales above 32 nodes (PROTOCOL.md 2.2 table)", () => {
    expect(pushPullScaleMs(30000, 32)).toBe(30000);
    expect(pushPullScaleMs(30000, 33)).toBe(60000);
    expect(pushPullScaleMs(30000, 64)).toBe(60000);
    expect(pushPullScaleMs(30000, 100)).toBe(90000);
    expect(pushPullScaleMs(30000, 1000)).toBe(180000);
    expect(pushPullScaleMs(30000, 10000)).toBe(300000);
    expect(pushPullScaleMs(60000, 100)).toBe(180000);
    expect(pushPullScaleMs(15000, 100)).toBe(45000);
  });
});
