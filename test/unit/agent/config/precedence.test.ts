import { describe, expect, it } from "vitest";
import { loadAgentConfig } from "../../../../src/agent/config/load.js";
import { AGENT_PROFILES } from "../../../../src/swim/core/config.js";
import { fakeIo } from "./fake-io.js";

const files = {
  "/etc/a.json": JSON.stringify({
    node_name: "from-file-a",
    log_level: "warn",
    probe_interval: "3s",
    tags: { a: "1", b: "file" },
  }),
  "/etc/b.json": JSON.stringify({
    nodeName: "from-file-b",
    profile: "wan",
    tags: { b: "file-b" },
    join: ["10.0.0.1"],
  }),
};

describe("merge precedence: defaults < profile preset < files < env < flags", () => {
  it("uses defaults when nothing is set", () => {
    const config = loadAgentConfig([], {}, fakeIo({}, "box-7"));
    expect(config).toMatchObject({
      nodeName: "box-7",
      bind: { host: "0.0.0.0", port: 7946 },
      httpAddr: { host: "127.0.0.1", port: 8500 },
      profile: "lan",
      retryIntervalMs: 30_000,
      retryMaxAttempts: 0,
      logLevel: "info",
      logFormat: "json",
      leaveOnTerminate: true,
      skipLeaveOnInterrupt: false,
      aclDefaultDeny: false,
      join: [],
      retryJoin: [],
      tags: {},
      eventHandlers: [],
      services: [],
    });
    expect(config.memberlist).toEqual(AGENT_PROFILES.lan());
    expect(config.serf).toMatchObject({ reconnectIntervalMs: 30_000, reconnectTimeoutMs: 86_400_000 });
    expect(config.advertise).toBeUndefined();
  });

  it.each([
    ["lan", AGENT_PROFILES.lan()],
    ["wan", AGENT_PROFILES.wan()],
    ["local", AGENT_PROFILES.local()],
  ] as const)("profile %s selects its preset", (profile, preset) => {
    expect(loadAgentConfig(["--profile", profile], {}, fakeIo()).memberlist).toEqual(preset);
  });

  it("overlays explicit timing options on the preset, whatever the source", () => {
    const io = fakeIo({ "/c.json": JSON.stringify({ suspicion_max_timeout_mult: 3 }) });
    const config = loadAgentConfig(
      ["--profile", "wan", "--config-file", "/c.json"],
      { SHOAL_RETRANSMIT_MULT: "9" },
      io,
    );
    expect(config.memberlist).toEqual({
      ...AGENT_PROFILES.wan(),
      retransmitMult: 9,
      suspicionMaxTimeoutMult: 3,
    });
  });

  it("later files override earlier ones; env overrides files; flags override env", () => {
    const io = fakeIo(files);
    const argv = ["--config-file", "/etc/a.json", "--config-file", "/etc/b.json"];
    expect(loadAgentConfig(argv, {}, io).nodeName).toBe("from-file-b");
    expect(loadAgentConfig(argv, { SHOAL_NODE: "from-env" }, io).nodeName).toBe("from-env");
    expect(loadAgentConfig([...argv, "--node", "from-flag"], { SHOAL_NODE: "from-env" }, io).nodeName).toBe(
      "from-flag",
    );
  });

  it("a profile from a file does not override timing set in an earlier file", () => {
    const config = loadAgentConfig(
      ["--config-file", "/etc/a.json", "--config-file", "/etc/b.json"],
      {},
      fakeIo(files),
    );
    expect(config.profile).toBe("wan");
    expect(config.memberlist.probeIntervalMs).toBe(3_000); // a.json's explicit value beats b.json's preset
    expect(config.memberlist.gossipNodes).toBe(AGENT_PROFILES.wan().gossipNodes);
    expect(config.logLevel).toBe("warn");
  });

  it("merges tags key by key and appends lists across sources (Serf's MergeConfig)", () => {
    const config = loadAgentConfig(
      [
        "--config-file",
        "/etc/a.json",
        "--config-file",
        "/etc/b.json",
        "--tag",
        "c=flag",
        "--join",
        "10.0.0.3",
      ],
      { SHOAL_TAGS: "b=env,d=env", SHOAL_JOIN: "10.0.0.2,10.0.0.1" },
      fakeIo(files),
    );
    expect(config.tags).toEqual({ a: "1", b: "env", c: "flag", d: "env" });
    expect(config.join).toEqual(["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
  });

  it.each([
    ["SHOAL_NODE", "env-node", "nodeName", "env-node"],
    ["SHOAL_BIND", "[::1]:7000", "bind", { host: "::1", port: 7000 }],
    ["SHOAL_ADVERTISE", "10.1.2.3", "advertise", { host: "10.1.2.3", port: 7946 }],
    ["SHOAL_HTTP_ADDR", "localhost:9000", "httpAddr", { host: "localhost", port: 9000 }],
    ["SHOAL_JOIN", " a , b:1 ,", "join", ["a", "b:1"]],
    ["SHOAL_RETRY_MAX_ATTEMPTS", "5", "retryMaxAttempts", 5],
    ["SHOAL_TAGS", "k=v,k2=v2", "tags", { k: "v", k2: "v2" }],
    ["SHOAL_ACL_TOKEN", "s3cret", "aclToken", "s3cret"],
    ["SHOAL_ACL_DEFAULT_DENY", "true", "aclDefaultDeny", true],
    ["SHOAL_LEAVE_ON_TERMINATE", "0", "leaveOnTerminate", false],
    ["SHOAL_SKIP_LEAVE_ON_INTERRUPT", "T", "skipLeaveOnInterrupt", true],
    ["SHOAL_LOG_LEVEL", "WARN", "logLevel", "warn"],
    [
      "SHOAL_EVENT_HANDLERS",
      "a.sh\nmember-join,member-leave=b.sh x,y",
      "eventHandlers",
      ["a.sh", "member-join,member-leave=b.sh x,y"],
    ],
    [
      "SHOAL_ENCRYPT",
      Buffer.alloc(16, 1).toString("base64"),
      "encrypt",
      Buffer.alloc(16, 1).toString("base64"),
    ],
  ])("%s=%j sets %s", (variable, value, key, expected) => {
    // Default-deny needs a token (a partner variable); every other variable stands alone.
    const partner = variable === "SHOAL_ACL_DEFAULT_DENY" ? { SHOAL_ACL_TOKEN: "t" } : {};
    const config = loadAgentConfig([], { [variable]: value, ...partner }, fakeIo());
    expect((config as unknown as Record<string, unknown>)[key]).toEqual(expected);
  });

  it("reads Serf-style timing from the environment into the Serf settings", () => {
    const config = loadAgentConfig(
      [],
      { SHOAL_RECONNECT_TIMEOUT: "72h", SHOAL_TOMBSTONE_TIMEOUT: "1h" },
      fakeIo(),
    );
    expect(config.serf.reconnectTimeoutMs).toBe(72 * 3_600_000);
    expect(config.serf.tombstoneTimeoutMs).toBe(3_600_000);
  });

  it("treats empty variables as unset and warns about unknown SHOAL_ ones", () => {
    const config = loadAgentConfig(
      [],
      { SHOAL_NODE: "", SHOAL_NDOE: "typo", SHOAL_HTTP_TOKEN: "client" },
      fakeIo(),
    );
    expect(config.nodeName).toBe("test-host");
    expect(config.warnings).toEqual(["environment variable SHOAL_NDOE is not a Shoal option; ignored"]);
  });

  it("merges the tags file under configured tags", () => {
    const io = fakeIo({ "/var/tags.json": JSON.stringify({ role: "old", zone: "a" }) });
    const config = loadAgentConfig(["--tags-file", "/var/tags.json", "--tag", "role=web"], {}, io);
    expect(config.tags).toEqual({ role: "web", zone: "a" });
  });

  it("treats a missing tags file as no tags", () => {
    expect(loadAgentConfig(["--tags-file", "/nope.json"], {}, fakeIo()).tags).toEqual({});
  });

  it("returns a deeply frozen config", () => {
    const config = loadAgentConfig(["--tag", "a=b", "--join", "x"], {}, fakeIo());
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.tags)).toBe(true);
    expect(Object.isFrozen(config.join)).toBe(true);
    expect(Object.isFrozen(config.memberlist)).toBe(true);
    expect(Object.isFrozen(config.bind)).toBe(true);
  });

  it("defaults the advertise port to the bind port", () => {
    expect(
      loadAgentConfig(["--bind", "0.0.0.0:8000", "--advertise", "10.0.0.5"], {}, fakeIo()).advertise,
    ).toEqual({
      host: "10.0.0.5",
      port: 8000,
    });
  });
});
