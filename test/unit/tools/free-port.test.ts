import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { freePort } from "../../../src/tools/free-port.js";

describe("freePort", () => {
  it("returns a port in the asked range, skipping excluded ones and one in use", async () => {
    // A port the OS picked, so this test cannot collide with a range other tests draw from.
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const busy = (taken.address() as AddressInfo).port;
    try {
      for (let i = 0; i < 5; i++) {
        expect(await freePort({ from: busy, count: 3, exclude: [busy + 1] })).toBe(busy + 2);
      }
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it("gives up when every pick is excluded", async () => {
    await expect(freePort({ from: 17_990, count: 1, exclude: [17_990], attempts: 3 })).rejects.toThrow(
      "no free port in 17990-17990",
    );
  });
});
