import { describe, expect, it } from "vitest";
import {
  normalizeKeys,
  parseServiceDefinition,
  SERVICE_KEYS,
} from "../../../../src/agent/catalog/service-definition.js";
import { InvalidInputError } from "../../../../src/errors.js";

describe("parseServiceDefinition", () => {
  it("applies Consul's defaults", () => {
    const { service, checks } = parseServiceDefinition({ Name: "web" });
    expect(service).toEqual({
      ID: "web",
      Service: "web",
      Tags: [],
      Meta: {},
      Port: 0,
      Address: "",
      Weights: { Passing: 1, Warning: 1 },
      EnableTagOverride: false,
    });
    expect(checks).toEqual([]);
  });

  it("accepts snake_case and any-case keys", () => {
    const { service, checks } = parseServiceDefinition({
      name: "web",
      id: "web-1",
      tags: ["a"],
      port: 80,
      enable_tag_override: true,
      tagged_addresses: { lan: { address: "10.0.0.1", port: 80 } },
      meta: { Env: "prod" },
      check: { http: "http://127.0.0.1/health", interval: "5s", deregister_critical_service_after: "90m" },
    });
    expect(service).toMatchObject({
      ID: "web-1",
      Tags: ["a"],
      Port: 80,
      EnableTagOverride: true,
      Meta: { Env: "prod" },
      TaggedAddresses: { lan: { Address: "10.0.0.1", Port: 80 } },
    });
    expect(checks[0]).toMatchObject({
      type: "http",
      CheckID: "service:web-1",
      Name: "Service 'web' check",
      intervalMs: 5000,
      timeoutMs: 10_000,
      method: "GET",
      initialStatus: "critical",
      deregisterCriticalServiceAfterMs: 90 * 60_000,
      outputMaxSize: 4096,
      successBeforePassing: 0,
      failuresBeforeCritical: 0,
      failuresBeforeWarning: 0,
    });
  });

  it("numbers several checks and parses each type", () => {
    const { checks } = parseServiceDefinition({
      Name: "db",
      Checks: [
        { TCP: "127.0.0.1:5432", Interval: "10s", Timeout: "1s", FailuresBeforeCritical: 3 },
        { TTL: "30s", Status: "passing", CheckID: "db-ttl", Notes: "app reports" },
        {
          HTTP: "https://[::1]:8443/h",
          Interval: 2_000_000_000,
          Method: "post",
          Header: { "X-A": ["1"] },
          TLSSkipVerify: true,
        },
      ],
    });
    expect(checks.map((c) => c.CheckID)).toEqual(["service:db:1", "db-ttl", "service:db:3"]);
    expect(checks[0]).toMatchObject({
      type: "tcp",
      tcp: "127.0.0.1:5432",
      timeoutMs: 1000,
      failuresBeforeCritical: 3,
      failuresBeforeWarning: 3,
    });
    expect(checks[1]).toMatchObject({
      type: "ttl",
      ttlMs: 30_000,
      initialStatus: "passing",
      Notes: "app reports",
    });
    expect(checks[2]).toMatchObject({
      type: "http",
      intervalMs: 2000,
      method: "POST",
      header: { "X-A": ["1"] },
      tlsSkipVerify: true,
    });
  });

  const invalid: [string, unknown, string][] = [
    ["no name", { Port: 1 }, "Missing service name"],
    ["not an object", [1], "must be an object"],
    ["bad port", { Name: "a", Port: 70000 }, "Port"],
    ["bad tags", { Name: "a", Tags: "x" }, "Tags must be a list of strings"],
    ["bad meta key", { Name: "a", Meta: { "a b": "1" } }, "invalid characters"],
    ["reserved meta", { Name: "a", Meta: { "consul-x": "1" } }, "reserved"],
    ["meta value", { Name: "a", Meta: { a: 1 } }, "must be a string"],
    ["no check kind", { Name: "a", Check: { Interval: "1s" } }, "one of HTTP, TCP or TTL"],
    ["two kinds", { Name: "a", Check: { TTL: "1s", TCP: "a:1", Interval: "1s" } }, "only one"],
    ["script", { Name: "a", Check: { Args: ["/bin/true"], Interval: "1s" } }, "not supported"],
    ["grpc", { Name: "a", Check: { GRPC: "a:1", Interval: "1s" } }, "not supported"],
    ["no interval", { Name: "a", Check: { HTTP: "http://a/" } }, "Interval must be > 0"],
    ["bad duration", { Name: "a", Check: { TTL: "soon" } }, "invalid duration"],
    ["zero ttl", { Name: "a", Check: { TTL: "0s" } }, "TTL must be > 0"],
    ["bad url", { Name: "a", Check: { HTTP: "not a url", Interval: "1s" } }, "must be a URL"],
    ["ftp url", { Name: "a", Check: { HTTP: "ftp://a/", Interval: "1s" } }, "http or https"],
    ["bad tcp", { Name: "a", Check: { TCP: "nohost", Interval: "1s" } }, "host:port"],
    ["bad status", { Name: "a", Check: { TTL: "1s", Status: "fine" } }, "Invalid check status"],
    [
      "duplicate ids",
      {
        Name: "a",
        Checks: [
          { TTL: "1s", ID: "x" },
          { TTL: "1s", ID: "x" },
        ],
      },
      "Duplicate check ID",
    ],
    [
      "header newline",
      { Name: "a", Check: { HTTP: "http://a/", Interval: "1s", Header: { A: ["x\r\ny"] } } },
      "control character",
    ],
    ["weights", { Name: "a", Weights: { Passing: 0 } }, "Weights.Passing"],
  ];
  it.each(invalid)("rejects %s", (_label, body, message) => {
    expect(() => parseServiceDefinition(body)).toThrow(InvalidInputError);
    expect(() => parseServiceDefinition(body)).toThrow(message);
  });

  it("keeps a __proto__ meta key as plain data", () => {
    const body = JSON.parse('{"Name":"a","Meta":{"__proto__":"x"}}') as unknown;
    const { service } = parseServiceDefinition(body);
    expect(Object.keys(service.Meta)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(service.Meta)).toBe(Object.prototype);
  });
});

describe("SERVICE_KEYS", () => {
  it("maps every service field's snake_case spelling, as the register route needs before its schema", () => {
    const fields = normalizeKeys(
      { enable_tag_override: true, tagged_addresses: {}, socket_path: "/s", kind: "", weights: {}, x_y: 1 },
      SERVICE_KEYS,
      "the service definition",
    );
    expect(Object.keys(fields)).toEqual([
      "EnableTagOverride",
      "TaggedAddresses",
      "SocketPath",
      "Kind",
      "Weights",
      "x_y",
    ]);
  });
});
