/**
 * Byte counters for the benchmark's traffic, as BENCH-METHOD counted Serf's: inside a private
 * network namespace (so loopback carries nothing else), nftables counters on the output hook,
 * IP-level bytes with headers, split into UDP gossip, TCP gossip (push/pull) and everything
 * else (RPC / HTTP). Gossip ports are taken from {@link GOSSIP_PORT_RANGE}.
 *
 * Outside a namespace, or without nft, the loopback interface's byte counter is used as a
 * fallback and the split is unavailable (the figures then include other local traffic).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** Gossip ports of benchmark agents (UDP and TCP); HTTP/RPC ports lie outside it. */
export const GOSSIP_PORT_RANGE = { first: 21_000, last: 24_999 } as const;

/** Bytes counted so far. */
export interface TrafficSample {
  readonly udpGossip: number;
  readonly tcpGossip: number;
  readonly other: number;
  readonly total: number;
}

const TABLE = "shoal_bench";

/** Counters on this namespace's output hook; `sample()` reads them. */
export class TrafficCounters {
  private constructor(private readonly nft: boolean) {}

  /** Installs nft counters if possible (root, nft present), else falls back to `lo`'s counter. */
  static install(): TrafficCounters {
    const range = `${GOSSIP_PORT_RANGE.first}-${GOSSIP_PORT_RANGE.last}`;
    const script = [
      `table inet ${TABLE} {`,
      "  counter udp_gossip {}",
      "  counter tcp_gossip {}",
      "  counter all_out {}",
      "  chain out {",
      "    type filter hook output priority 0; policy accept;",
      `    udp dport ${range} counter name udp_gossip`,
      `    tcp dport ${range} counter name tcp_gossip`,
      `    tcp sport ${range} counter name tcp_gossip`,
      "    counter name all_out",
      "  }",
      "}",
    ].join("\n");
    try {
      execFileSync("nft", ["-f", "-"], { input: script, stdio: ["pipe", "ignore", "ignore"] });
      return new TrafficCounters(true);
    } catch {
      return new TrafficCounters(false);
    }
  }

  /** Whether the split counters are in use. */
  get split(): boolean {
    return this.nft;
  }

  /** Current totals. */
  sample(): TrafficSample {
    if (!this.nft) {
      const total = Number(readFileSync("/sys/class/net/lo/statistics/tx_bytes", "utf8"));
      return { udpGossip: 0, tcpGossip: 0, other: 0, total };
    }
    const json = JSON.parse(
      execFileSync("nft", ["-j", "list", "counters", "table", "inet", TABLE], { encoding: "utf8" }),
    ) as { nftables: { counter?: { name: string; bytes: number } }[] };
    const bytes = (name: string): number =>
      json.nftables.find((e) => e.counter?.name === name)?.counter?.bytes ?? 0;
    const udp = bytes("udp_gossip");
    const tcp = bytes("tcp_gossip");
    const all = bytes("all_out");
    return { udpGossip: udp, tcpGossip: tcp, other: all - udp - tcp, total: all };
  }

  /** Removes the nft table. */
  remove(): void {
    if (!this.nft) return;
    try {
      execFileSync("nft", ["delete", "table", "inet", TABLE], { stdio: "ignore" });
    } catch {
      // already gone
    }
  }
}

/** `later - earlier`, field by field. */
export function trafficDelta(earlier: TrafficSample, later: TrafficSample): TrafficSample {
  return {
    udpGossip: later.udpGossip - earlier.udpGossip,
    tcpGossip: later.tcpGossip - earlier.tcpGossip,
    other: later.other - earlier.other,
    total: later.total - earlier.total,
  };
}
