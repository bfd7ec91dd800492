import { describe, expect, it } from "vitest";
import { loadAgentConfig } from "../../../../src/agent/config/load.js";
import { ConfigError, ErrorCode } from "../../../../src/errors.js";
import { fakeIo, problemsOf } from "./fake-io.js";

const b64 = (n: number) => Buffer.alloc(n, 1).toString("base64");
const load = (argv: string[], env: Record<string, string> = {}, hostname = "test-host") =>
  loadAgentConfig(argv, env, fakeIo({}, hostname));

describe("validation", () => {
  it.each([
    [["--node", "bad name"], "nodeName", "Serf's node name rules"],
    [["--node", "x".repeat(129)], "nodeName", "longer than 128"],
    [["--node", ""], "nodeName", "must not be empty"],
    [["--bind", "1.2.3.4:99999"], "bind", "out of range"],
    [["--bind", "example.com:7946"], "bind", "not an IP address"],
    [["--bind", "1.2.3.4:port"], "bind", "not a number"],
    [["--bind", "[::1"], "bind", "]"],
    [["--advertise", "0.0.0.0"], "advertise", "cannot be advertised"],
    [["--advertise", "host.example"], "advertise", "not an IP address"],
    [["--http-addr", "127.0.0.1:70000"], "httpAddr", "out of range"],
    [["--join", "a..b"], "join", "a..b"],
    [["--retry-join", "10.0.0.1:x"], "retryJoin", "not a number"],
    [["--retry-interval", "500ms"], "retryInterval", '"500ms" is below the minimum of 1s'],
    [["--retry-interval", "soon"], "retryInterval", "is not a duration"],
    [["--tag", "novalue"], "tags", '"novalue" is not key=value'],
    [["--tag", `big=${"x".repeat(600)}`], "tags", "512-byte limit"],
    [["--profile", "moon"], "profile", '"moon" is not one of lan, wan, local'],
    [["--gossip-interval", "abc"], "gossipInterval", '"abc" is not a duration'],
    [["--gossip-interval", "30d"], "gossipInterval", 'unknown unit "d"'],
    [["--gossip-nodes", "0"], "gossipNodes", "below the minimum of 1"],
    [["--gossip-nodes", "2.5"], "gossipNodes", "not an integer"],
    [["--probe-interval", "0"], "probeInterval", "must be greater than 0s"],
    [["--probe-timeout", "-1s"], "probeTimeout", "must be greater than 0s"],
    [["--push-pull-interval", "600h"], "pushPullInterval", "above the maximum"],
    [["--suspicion-mult", "0"], "suspicionMult", "below the minimum of 1"],
    [["--encrypt", "not base64!"], "encrypt", "not valid base64"],
    [["--encrypt", b64(20)], "encrypt", "key must be 16, 24 or 32 bytes after base64 decoding"],
    [["--encrypt", b64(32), "--keyring-file", "/k.json"], "encrypt", "not allowed together with keyringFile"],
    [["--label", "é".repeat(200)], "label", "the limit is 255"],
    [["--log-level", "loud"], "logLevel", '"loud" is not one of trace, debug, info, warn, error'],
    [["--log-format", "xml"], "logFormat", "is not one of json, pretty"],
    [["--leave-on-terminate=maybe"], "leaveOnTerminate", "is not a boolean"],
    [["--http-tls-cert", "/c.pem"], "httpTlsKey", "needs both"],
    [["--http-tls-key", "/k.pem"], "httpTlsCert", "needs both"],
    [["--event-handler", "member-explode=x.sh"], "eventHandlers", 'unknown event type "member-explode"'],
    [["--event-handler", "user="], "eventHandlers", "has no script"],
    [["--data-dir", ""], "dataDir", "must not be empty"],
  ])("%j is a problem on %s", (argv, field, message) => {
    const problems = problemsOf(() => load(argv));
    expect(problems).toEqual([{ field, message: expect.stringContaining(message) }]);
  });

  it.each([
    [
      "SHOAL_RETRY_MAX_ATTEMPTS",
      "-1",
      "retryMaxAttempts",
      "below the minimum of 0 (env SHOAL_RETRY_MAX_ATTEMPTS)",
    ],
    ["SHOAL_RECONNECT_INTERVAL", "x", "reconnectInterval", "is not a duration"],
    ["SHOAL_SKIP_LEAVE_ON_INTERRUPT", "yes please", "skipLeaveOnInterrupt", "is not a boolean"],
    ["SHOAL_SUSPICION_MAX_TIMEOUT_MULT", "0", "suspicionMaxTimeoutMult", "below the minimum"],
  ])("%s=%j is a problem on %s", (variable, value, field, message) => {
    expect(problemsOf(() => load([], { [variable]: value }))).toEqual([
      { field, message: expect.stringContaining(message) },
    ]);
  });

  it("accepts valid edge values", () => {
    expect(() =>
      load([
        "--bind",
        "[::1]:0",
        "--advertise",
        "[fe80::1]:7000",
        "--http-addr",
        "[::1]:8500",
        "--join",
        "node-2/10.0.0.2:7946",
        "--join",
        "seed.example.com",
        "--encrypt",
        b64(24),
        "--event-handler",
        "handler.sh",
        "--event-handler",
        "member-join,user:deploy,query=q.sh",
        "--retry-interval",
        "1s",
      ]),
    ).not.toThrow();
  });

  it("rejects a hostname that breaks Serf's rules, pointing at --node", () => {
    expect(problemsOf(() => load([], {}, "my_host"))).toEqual([
      { field: "nodeName", message: expect.stringContaining("(the hostname; set --node)") },
    ]);
  });

  it("collects every problem from every source in one ConfigError", () => {
    const io = fakeIo({ "/c.json": JSON.stringify({ probe_timeout: "fast", unknown_key: 1 }) });
    let error: unknown;
    try {
      loadAgentConfig(
        [
          "--config-file",
          "/c.json",
          "--bogus",
          "--gossip-interval",
          "abc",
          "--bind",
          "1.2.3.4:99999",
          "--encrypt",
          "AAAA",
          "--profile",
          "moon",
        ],
        { SHOAL_GOSSIP_NODES: "zero" },
        io,
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const config = error as ConfigError;
    expect(config.code).toBe(ErrorCode.config);
    expect(config.problems.map((p) => p.field).sort()).toEqual(
      [
        "--bogus",
        "gossipInterval",
        "profile",
        "probeTimeout",
        "unknown_key",
        "gossipNodes",
        "bind",
        "encrypt",
      ].sort(),
    );
    expect(config.message).toContain('gossipInterval: "abc" is not a duration');
    expect(config.message).toContain("encrypt: key must be 16, 24 or 32 bytes after base64 decoding");
    expect(config.message).toContain('bind: invalid address "1.2.3.4:99999"');
    expect(config.message).toContain("unknown_key: unknown key in config file /c.json");
  });
});
