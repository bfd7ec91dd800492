import { describe, expect, it } from "vitest";
import { runSecureFuzz, secureTargets } from "../../../src/tools/fuzz-secure.js";

describe("secure fuzz targets", () => {
  it("find no crash in a short seeded run over sealed packets and streams", () => {
    const reports = runSecureFuzz(2000, 4242);
    expect(reports.map((r) => r.name)).toEqual(secureTargets().map((t) => t.name));
    for (const r of reports) {
      expect(r.crash).toBeUndefined();
      // Mutations are caught (mostly by authentication), and unmutated inputs get through.
      expect(r.rejected).toBeGreaterThan(0);
      expect(r.rejected).toBeLessThan(r.iterations);
    }
  });
});
