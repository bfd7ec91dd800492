/**
 * A garbage flood at one agent of a 5-agent cluster of real processes: 30 s at 20,000
 * datagrams per second, as issue 8 asks; the ramp to find the highest rate held is
 * `npm run flood -- --ramp`. Nobody may be marked failed during or after, the target must
 * really read the flood (not only be sent it), must not record internal errors, and its RSS
 * must stay bounded. `FLOOD_SECONDS` and `FLOOD_RATE` override the defaults.
 */
import { describe, expect, it } from "vitest";
import { formatFloodReport, runFlood } from "../../../src/tools/fuzz-flood.js";

const SECONDS = Number(process.env["FLOOD_SECONDS"] ?? 30);
const RATE = Number(process.env["FLOOD_RATE"] ?? 20_000);
/**
 * Least share of the offered rate the target's runtime must read (`packets_received`, what
 * the report prints as "target read"; the cluster's own gossip in it is a few dozen a second,
 * noise at this rate). A healthy run on a 2-core host reads all of it (19,998/s
 * of 20,000/s, twice, under `nice`); with another process spinning on one core it still read
 * 14,355/s (72 %). Half leaves room for a busy CI host and still fails when the agent stops
 * reading: a stalled event loop or a socket nobody reads lets the kernel drop nearly everything,
 * and then "no false failures" would hold without the flood having reached the decoder at all.
 */
const MIN_READ_FRACTION = 0.5;
/** Cluster start-up (up to 30 s to converge), the 3 s settle after the flood, and slack. */
const OVERHEAD_MS = 170_000;

describe("garbage flood", () => {
  it(
    `keeps a 5-agent cluster's view through ${SECONDS} s of ${RATE} junk datagrams/s at one agent`,
    async () => {
      const report = await runFlood({ seconds: SECONDS, rate: RATE, ramp: false, seed: 1 });
      console.log(formatFloodReport(report).join("\n"));
      expect(report.main.sentRate).toBeGreaterThanOrEqual(0.95 * RATE);
      expect(report.main.receivedRate).toBeGreaterThanOrEqual(MIN_READ_FRACTION * RATE);
      expect(report.main.falseFailures).toBe(0);
      expect(report.failuresAfter).toBe(0);
      expect(report.internalErrors).toBe(0);
      expect(report.rssPeakMb - report.rssBeforeMb).toBeLessThan(150);
    },
    SECONDS * 1_000 + OVERHEAD_MS,
  );
});
