import { describe, expect, it } from "vitest";
import { FLAG_TO_OPTION, parseAgentFlags } from "../../../../src/agent/config/flags.js";
import { loadAgentConfig, wantsHelp } from "../../../../src/agent/config/load.js";
import { fakeIo, problemsOf } from "./fake-io.js";

const load = (argv: string[], env: Record<string, string> = {}) => loadAgentConfig(argv, env, fakeIo());

describe("agent flags", () => {
  it("has exactly the documented flag names", () => {
    expect([...FLAG_TO_OPTION.keys()].sort()).toEqual(
      [
        "node",
        "bind",
        "advertise",
        "http-addr",
        "join",
        "retry-join",
        "retry-interval",
        "data-dir",
        "tag",
        "tags-file",
        "profile",
        "gossip-interval",
        "gossip-nodes",
        "probe-interval",
        "probe-timeout",
        "suspicion-mult",
        "push-pull-interval",
        "refused-suspicion-timeout",
        "encrypt",
        "keyring-file",
        "label",
        "log-level",
        "log-format",
        "leave-on-terminate",
        "acl-token",
        "acl-default-deny",
        "http-tls-cert",
        "http-tls-key",
        "http-rate-limit",
        "gossip-verify-incoming",
        "gossip-verify-outgoing",
        "event-handler",
        "coalesce-period",
        "quiescent-period",
        "user-coalesce-period",
        "user-quiescent-period",
      ].sort(),
    );
  });

  it.each([
    [["--node", "web-1"], "nodeName", "web-1"],
    [["--node=web-1"], "nodeName", "web-1"],
    [["-node", "web-1"], "nodeName", "web-1"],
    [["-node=web-1"], "nodeName", "web-1"],
    [["--data-dir", "/var/lib/shoal"], "dataDir", "/var/lib/shoal"],
    [["--join", "a", "--join", "b:1"], "join", ["a", "b:1"]],
    [["--retry-join", "[::1]:7000"], "retryJoin", ["[::1]:7000"]],
    [["--tag", "role=web", "--tag", "dc=eu=1"], "tags", { role: "web", dc: "eu=1" }],
    [["--retry-interval", "1m"], "retryIntervalMs", 60_000],
    [["--leave-on-terminate=false"], "leaveOnTerminate", false],
    [["--acl-default-deny", "--acl-token", "t"], "aclDefaultDeny", true],
    [["--log-level", "DEBUG"], "logLevel", "debug"],
    [["--log-level", "err"], "logLevel", "error"],
    [["--log-format", "pretty"], "logFormat", "pretty"],
    [
      ["--event-handler", "member-join,user:deploy=./on.sh"],
      "eventHandlers",
      ["member-join,user:deploy=./on.sh"],
    ],
    [["--label", "prod"], "label", "prod"],
    [["--bind", "1.2.3.4", "--bind", "5.6.7.8"], "bind", { host: "5.6.7.8", port: 7946 }],
  ])("%j sets %s", (argv, key, expected) => {
    expect((load(argv) as unknown as Record<string, unknown>)[key]).toEqual(expected);
  });

  it("parses timing flags into the memberlist settings", () => {
    const config = load([
      "--gossip-interval=50ms",
      "--gossip-nodes=5",
      "--probe-interval=2s",
      "--probe-timeout=750ms",
      "--suspicion-mult=7",
      "--push-pull-interval=0",
      "--refused-suspicion-timeout=0",
    ]);
    expect(config.memberlist).toMatchObject({
      gossipIntervalMs: 50,
      gossipNodes: 5,
      probeIntervalMs: 2_000,
      probeTimeoutMs: 750,
      suspicionMult: 7,
      pushPullIntervalMs: 0,
      refusedSuspicionTimeoutMs: 0,
    });
  });

  it("sets the coalescing periods in the Serf settings, Serf agent's 3 s / 1 s by default", () => {
    expect(load([]).serf).toMatchObject({
      coalescePeriodMs: 3_000,
      quiescentPeriodMs: 1_000,
      userCoalescePeriodMs: 3_000,
      userQuiescentPeriodMs: 1_000,
    });
    const config = load([
      "--coalesce-period=5s",
      "--quiescent-period=0",
      "--user-coalesce-period=2s",
      "--user-quiescent-period=250ms",
    ]);
    expect(config.serf).toMatchObject({
      coalescePeriodMs: 5_000,
      quiescentPeriodMs: 0,
      userCoalescePeriodMs: 2_000,
      userQuiescentPeriodMs: 250,
    });
  });

  it("keeps values that start with a dash", () => {
    expect(load(["--tag", "-x=1", "--node", "n-1"]).tags).toEqual({ "-x": "1" });
  });

  it("reports every unknown flag, missing value and stray argument", () => {
    const problems = problemsOf(() => load(["--bogus", "1", "-z", "--frob=2", "stray", "--join"]));
    expect(problems).toEqual([
      { field: "--bogus", message: expect.stringContaining("unknown flag") },
      { field: "-z", message: expect.stringContaining("unknown flag") },
      { field: "--frob", message: expect.stringContaining("unknown flag") },
      { field: "arguments", message: 'unexpected argument "stray"' },
      { field: "--join", message: "needs a value" },
    ]);
  });

  it("requires '=' for a boolean value, as Go's flag package does", () => {
    const problems = problemsOf(() => load(["--leave-on-terminate", "false"]));
    expect(problems).toEqual([{ field: "arguments", message: 'unexpected argument "false"' }]);
  });

  it("records config paths in command-line order", () => {
    expect(
      parseAgentFlags(["--config-dir", "d1", "--config-file", "f1", "-config-file=f2"]).configPaths,
    ).toEqual([
      { kind: "dir", path: "d1" },
      { kind: "file", path: "f1" },
      { kind: "file", path: "f2" },
    ]);
  });

  it.each([[["--help"]], [["-h"]], [["-help"]], [["--node", "x", "--help"]]])("%j asks for help", (argv) => {
    expect(wantsHelp(argv)).toBe(true);
  });

  it("does not ask for help otherwise", () => {
    expect(wantsHelp(["--node", "x"])).toBe(false);
  });
});
