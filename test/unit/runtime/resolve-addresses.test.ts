import { describe, expect, it } from "vitest";
import { resolveAddresses } from "../../../src/swim/runtime/address.js";

describe("resolveAddresses", () => {
  it("returns every address a name has, deduplicated and normalized, with the port", async () => {
    const resolver = (host: string): Promise<readonly string[]> =>
      Promise.resolve(host === "seeds.test" ? ["10.0.0.1", "::FFFF:10.0.0.2", "10.0.0.1", "::1"] : []);
    expect(await resolveAddresses({ host: "seeds.test", port: 7946 }, resolver)).toEqual([
      { host: "10.0.0.1", port: 7946 },
      { host: "10.0.0.2", port: 7946 },
      { host: "::1", port: 7946 },
    ]);
  });

  it("does not ask the resolver about IP literals", async () => {
    const resolver = (): Promise<readonly string[]> => Promise.reject(new Error("must not be called"));
    expect(await resolveAddresses({ host: "127.0.0.1", port: 1 }, resolver)).toEqual([
      { host: "127.0.0.1", port: 1 },
    ]);
  });

  it("names the host when it has no address or the lookup fails", async () => {
    await expect(
      resolveAddresses({ host: "empty.test", port: 1 }, () => Promise.resolve([])),
    ).rejects.toThrow(/cannot resolve "empty.test": no addresses/);
    await expect(
      resolveAddresses({ host: "gone.test", port: 1 }, () => Promise.reject(new Error("ENOTFOUND"))),
    ).rejects.toMatchObject({ code: "SHOAL_ERR_CONFIG" });
  });

  it("uses the system resolver by default", async () => {
    const found = await resolveAddresses({ host: "localhost", port: 2 });
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((a) => a.port === 2 && (a.host === "127.0.0.1" || a.host === "::1"))).toBe(true);
  });
});
