/**
 * The live fuzzer's short run (the full one is `npm run fuzz`, 1,000,000 packets by default):
 * mutated packets and a tenth as many mutated push/pull streams over real loopback UDP and
 * TCP into a real agent. No crash, no unhandled rejection, the agent stays alive to its
 * witness, and memory stays bounded.
 */
import { describe, expect, it } from "vitest";
import { formatLiveReport, liveCrashes, runLiveFuzz } from "../../../src/tools/fuzz-live.js";

const PACKETS = Number(process.env["LIVE_FUZZ_PACKETS"] ?? 20_000);

describe("live agent fuzz", () => {
  it(`survives ${PACKETS} mutated packets and ${PACKETS / 10} mutated streams`, async () => {
    const seed = Number(process.env["FUZZ_SEED"] ?? Math.floor(Math.random() * 0x1_0000_0000));
    const report = await runLiveFuzz({ packets: PACKETS, seed });
    console.log([`seed ${seed}`, ...formatLiveReport(report)].join("\n"));
    expect(liveCrashes(report), `seed ${seed}`).toBe(0);
    expect(report.packetsSent).toBe(PACKETS);
    // Most datagrams reach the agent (the sender waits for it), so the decoder really ran.
    expect(report.packetsDelivered).toBeGreaterThan(0.8 * PACKETS);
    expect(report.drops["dropped_packet_decode"]).toBeGreaterThan(0);
    expect(report.drops["dropped_stream_malformed"]).toBeGreaterThan(0);
    // Bounded: junk and invented members must not grow the process by more than this.
    expect(report.rssPeakMb - report.rssBeforeMb).toBeLessThan(200);
  }, 180_000);
});
