/**
 * A garbage flood at one agent of a 5-agent cluster of real processes: 10 s at 20,000
 * datagrams per second here (CI time); the full 30 s run with a ramp to find the highest rate
 * held is `npm run flood -- --ramp`. Nobody may be marked failed during or after, the target
 * must not record internal errors, and its RSS must stay bounded.
 */
import { describe, expect, it } from "vitest";
import { formatFloodReport, runFlood } from "../../../src/tools/fuzz-flood.js";

const SECONDS = Number(process.env["FLOOD_SECONDS"] ?? 10);
const RATE = Number(process.env["FLOOD_RATE"] ?? 20_000);

describe("garbage flood", () => {
  it(`keeps a 5-agent cluster's view through ${SECONDS} s of ${RATE} junk datagrams/s at one agent`, async () => {
    const report = await runFlood({ seconds: SECONDS, rate: RATE, ramp: false, seed: 1 });
    console.log(formatFloodReport(report).join("\n"));
    expect(report.main.sentRate).toBeGreaterThanOrEqual(0.95 * RATE);
    expect(report.main.falseFailures).toBe(0);
    expect(report.failuresAfter).toBe(0);
    expect(report.internalErrors).toBe(0);
    expect(report.rssPeakMb - report.rssBeforeMb).toBeLessThan(150);
  }, 180_000);
});
