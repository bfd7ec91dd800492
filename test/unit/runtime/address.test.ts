import { describe, expect, it } from "vitest";
import { resolveAdvertise } from "../../../src/swim/runtime/advertise.js";
import {
  formatAddress,
  normalizeHost,
  parseAddress,
  parseHostPort,
  resolveAddress,
} from "../../../src/swim/runtime/address.js";

describe("parseAddress / formatAddress", () => {
  it.each([
    ["127.0.0.1:8000", { host: "127.0.0.1", port: 8000 }],
    ["127.0.0.1", { host: "127.0.0.1", port: 7946 }],
    ["[::1]:7947", { host: "::1", port: 7947 }],
    ["[::1]", { host: "::1", port: 7946 }],
    ["::1", { host: "::1", port: 7946 }],
    ["fe80::1", { host: "fe80::1", port: 7946 }],
    ["0.0.0.0:0", { host: "0.0.0.0", port: 0 }],
    [" 10.0.0.1:1 ", { host: "10.0.0.1", port: 1 }],
    ["[::ffff:10.1.2.3]:5", { host: "10.1.2.3", port: 5 }],
  ])("parses %j", (text, expected) => {
    expect(parseAddress(text)).toEqual(expected);
  });

  it.each([
    ["", /empty/],
    ["127.0.0.1:", /port "" is not a number/],
    ["127.0.0.1:65536", /out of range/],
    ["127.0.0.1:http", /not a number/],
    ["[::1", /missing '\]'/],
    ["[::1]x", /unexpected/],
    ["[1.2.3.4]:80", /not an IPv6/],
    ["::1:7946:", /IPv6|brackets/],
    ["example.com:80", /not an IP address/],
    ["bad host:80", /not a host/],
  ])("refuses %j naming it", (text, why) => {
    let error: unknown;
    try {
      parseAddress(text);
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({
      code: "SHOAL_ERR_CONFIG",
      message: expect.stringContaining(JSON.stringify(text)),
    });
    expect((error as Error).message).toMatch(why);
  });

  it("round-trips through formatAddress", () => {
    for (const text of ["127.0.0.1:7946", "[::1]:7946", "[fd00::5]:1"])
      expect(formatAddress(parseAddress(text))).toBe(text);
  });

  it("accepts DNS names only through parseHostPort and resolves them", async () => {
    expect(parseHostPort("node-1.example:9000")).toEqual({ host: "node-1.example", port: 9000 });
    const resolved = await resolveAddress(parseHostPort("localhost:1234"));
    expect(["127.0.0.1", "::1"]).toContain(resolved.host);
    expect(resolved.port).toBe(1234);
    await expect(resolveAddress({ host: "no-such-host.invalid", port: 1 })).rejects.toMatchObject({
      code: "SHOAL_ERR_CONFIG",
      message: expect.stringContaining("no-such-host.invalid"),
    });
  });

  it("normalizes IPv4-mapped IPv6 and case", () => {
    expect(normalizeHost("::FFFF:127.0.0.1")).toBe("127.0.0.1");
    expect(normalizeHost("FE80::A")).toBe("fe80::a");
  });
});

describe("resolveAdvertise", () => {
  const bound = { host: "127.0.0.1", port: 40000 };
  it("defaults to the bound address", () => {
    expect(resolveAdvertise(undefined, bound)).toEqual(bound);
  });
  it("takes the host from advertise and the port from the bind unless given", () => {
    expect(resolveAdvertise("10.1.2.3", { host: "0.0.0.0", port: 40000 })).toEqual({
      host: "10.1.2.3",
      port: 40000,
    });
    expect(resolveAdvertise("10.1.2.3:9000", { host: "0.0.0.0", port: 40000 })).toEqual({
      host: "10.1.2.3",
      port: 9000,
    });
    expect(resolveAdvertise("[fd00::1]", { host: "::", port: 1 })).toEqual({ host: "fd00::1", port: 1 });
  });
  it("refuses names and unspecified addresses", () => {
    expect(() => resolveAdvertise("example.com", bound)).toThrow(/not an IP/);
    expect(() => resolveAdvertise("0.0.0.0", bound)).toThrow(/unspecified/);
  });
  it("picks a private address, or says to set one, when bound to 0.0.0.0", () => {
    try {
      const a = resolveAdvertise(undefined, { host: "0.0.0.0", port: 5 });
      expect(a.port).toBe(5);
      expect(a.host).not.toBe("0.0.0.0");
    } catch (err) {
      expect(err).toMatchObject({ code: "SHOAL_ERR_CONFIG", message: expect.stringMatching(/advertise/) });
    }
  });
});
