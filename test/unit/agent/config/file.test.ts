import { describe, expect, it } from "vitest";
import { FILE_KEY_TO_OPTION, parseConfigFile } from "../../../../src/agent/config/file.js";
import { loadAgentConfig } from "../../../../src/agent/config/load.js";
import { OPTION_NAMES } from "../../../../src/agent/config/schema.js";
import { fakeIo, problemsOf } from "./fake-io.js";

const key16 = Buffer.alloc(16, 7).toString("base64");

describe("config files", () => {
  it.each([
    ["node_name", "n1", "nodeName", "n1"],
    ["bind", "10.0.0.1:7000", "bind", { host: "10.0.0.1", port: 7000 }],
    ["advertise", "10.0.0.2", "advertise", { host: "10.0.0.2", port: 7946 }],
    ["encrypt_key", key16, "encrypt", key16],
    ["tags", { role: "db" }, "tags", { role: "db" }],
    ["tags_file", "/t.json", "tagsFile", "/t.json"],
    ["start_join", ["10.0.0.9"], "join", ["10.0.0.9"]],
    ["retry_join", ["10.0.0.8"], "retryJoin", ["10.0.0.8"]],
    ["retry_interval", "45s", "retryIntervalMs", 45_000],
    ["retry_max_attempts", 3, "retryMaxAttempts", 3],
    ["log_level", "INFO", "logLevel", "info"],
    ["log_level", "err", "logLevel", "error"],
    ["profile", "local", "profile", "local"],
    ["leave_on_terminate", false, "leaveOnTerminate", false],
    ["skip_leave_on_interrupt", true, "skipLeaveOnInterrupt", true],
    ["keyring_file", "/k.json", "keyringFile", "/k.json"],
    ["event_handlers", ["user:deploy=d.sh"], "eventHandlers", ["user:deploy=d.sh"]],
    ["data_dir", "/var/lib/shoal", "dataDir", "/var/lib/shoal"],
    ["snapshot_path", "/var/lib/serf/snapshot", "dataDir", "/var/lib/serf"],
    ["http_addr", "0.0.0.0:8600", "httpAddr", { host: "0.0.0.0", port: 8600 }],
    ["acl_token", "t", "aclToken", "t"],
    ["acl_default_deny", true, "aclDefaultDeny", true],
    ["label", "blue", "label", "blue"],
    ["httpTlsCert", "/c.pem", "httpTlsCert", "/c.pem"],
    ["services", [{ name: "web", port: 80 }], "services", [{ name: "web", port: 80 }]],
  ])("key %s = %j sets %s", (key, value, option, expected) => {
    // Options valid only with a partner option get it (TLS key; default-deny needs a token).
    const extra =
      key === "httpTlsCert"
        ? { http_tls_key: "/k.pem" }
        : key === "acl_default_deny"
          ? { acl_token: "t" }
          : {};
    const io = fakeIo({ "/c.json": JSON.stringify({ [key]: value, ...extra }) });
    const config = loadAgentConfig(["--config-file", "/c.json"], {}, io);
    expect((config as unknown as Record<string, unknown>)[option]).toEqual(expected);
  });

  it("maps Serf timing keys into memberlist and Serf settings", () => {
    const io = fakeIo({
      "/c.json": JSON.stringify({
        gossip_interval: "100ms",
        gossip_nodes: 6,
        probe_interval: 2500,
        probe_timeout: "1s",
        suspicion_mult: 5,
        suspicion_max_timeout_mult: 4,
        push_pull_interval: "45s",
        retransmit_mult: 3,
        reconnect_interval: "10s",
        reconnect_timeout: "8h",
        tombstone_timeout: "2h",
      }),
    });
    const config = loadAgentConfig(["--config-file", "/c.json"], {}, io);
    expect(config.memberlist).toMatchObject({
      gossipIntervalMs: 100,
      gossipNodes: 6,
      probeIntervalMs: 2_500,
      probeTimeoutMs: 1_000,
      suspicionMult: 5,
      suspicionMaxTimeoutMult: 4,
      pushPullIntervalMs: 45_000,
      retransmitMult: 3,
    });
    expect(config.serf).toMatchObject({
      reconnectIntervalMs: 10_000,
      reconnectTimeoutMs: 8 * 3_600_000,
      tombstoneTimeoutMs: 2 * 3_600_000,
    });
  });

  it("accepts every option under its camelCase name and its snake_case name", () => {
    for (const name of OPTION_NAMES) {
      expect(FILE_KEY_TO_OPTION.get(name)).toBe(name);
      expect(FILE_KEY_TO_OPTION.get(name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`))).toBe(name);
    }
  });

  it("turns Serf's deprecated role into a tag and notes a mapped snapshot_path", () => {
    const result = parseConfigFile(
      "/c.json",
      JSON.stringify({ role: "web", tags: { role: "x", dc: "1" }, snapshot_path: "/s/snap" }),
    );
    expect(result.problems).toEqual([]);
    expect(result.layer.values.tags).toEqual({ role: "web", dc: "1" });
    expect(result.warnings).toEqual([expect.stringContaining("snapshot_path")]);
  });

  it("reads --config-dir *.json files in lexical order, skipping other files", () => {
    const io = fakeIo({
      "/d/10-b.json": JSON.stringify({ node_name: "ten", log_level: "debug" }),
      "/d/9-c.json": JSON.stringify({ node_name: "nine" }),
      "/d/00-a.json": JSON.stringify({ node_name: "zero", log_level: "warn" }),
      "/d/README.md": "not json",
    });
    const config = loadAgentConfig(["--config-dir", "/d"], {}, io);
    expect(config.configFiles).toEqual(["/d/00-a.json", "/d/10-b.json", "/d/9-c.json"]);
    expect(config.nodeName).toBe("nine");
    expect(config.logLevel).toBe("debug");
  });

  it("appends services from every file", () => {
    const io = fakeIo({
      "/a.json": JSON.stringify({ services: [{ name: "a" }] }),
      "/b.json": JSON.stringify({ services: [{ name: "b" }] }),
    });
    const config = loadAgentConfig(["--config-file", "/a.json", "--config-file", "/b.json"], {}, io);
    expect(config.services).toEqual([{ name: "a" }, { name: "b" }]);
  });

  it("accepts Consul's single-service form next to services: [...]", () => {
    const io = fakeIo({
      "/a.json": JSON.stringify({ service: { name: "one" } }),
      "/b.json": JSON.stringify({ services: [{ name: "b" }], service: { name: "c" } }),
    });
    const config = loadAgentConfig(["--config-file", "/a.json", "--config-file", "/b.json"], {}, io);
    expect(config.services).toEqual([{ name: "one" }, { name: "b" }, { name: "c" }]);
  });

  it("rejects a single service that is not an object", () => {
    const result = parseConfigFile("/s.json", JSON.stringify({ service: [{ name: "x" }] }));
    expect(result.problems).toEqual([
      {
        field: "service",
        message: expect.stringContaining("expected a service definition object") as string,
      },
    ]);
  });

  it("names the key and file of every unknown or unsupported key", () => {
    const io = fakeIo({
      "/c.json": JSON.stringify({ nodename: "x", rpc_addr: "127.0.0.1:7373", tags: { a: "b" } }),
    });
    const problems = problemsOf(() => loadAgentConfig(["--config-file", "/c.json"], {}, io));
    expect(problems).toEqual([
      { field: "nodename", message: "unknown key in config file /c.json" },
      { field: "rpc_addr", message: expect.stringMatching(/Serf option not supported.*httpAddr.*\/c\.json/) },
    ]);
  });

  it("reports a key set twice in one file, bad JSON, a non-object file and a missing file", () => {
    const io = fakeIo({
      "/twice.json": JSON.stringify({ nodeName: "a", node_name: "b" }),
      "/bad.json": "{ nope",
      "/array.json": "[]",
    });
    const argv = [
      "--config-file",
      "/twice.json",
      "--config-file",
      "/bad.json",
      "--config-file",
      "/array.json",
    ];
    const problems = problemsOf(() => loadAgentConfig([...argv, "--config-file", "/missing.json"], {}, io));
    expect(problems).toEqual([
      { field: "nodeName", message: 'set twice in config file /twice.json, as "nodeName" and "node_name"' },
      { field: "/bad.json", message: expect.stringContaining("not valid JSON") },
      { field: "/array.json", message: expect.stringContaining("must hold a JSON object") },
      { field: "--config-file", message: expect.stringContaining("cannot read /missing.json") },
    ]);
  });

  it("names file and key when a value has the wrong type", () => {
    const io = fakeIo({ "/c.json": JSON.stringify({ gossip_nodes: "three", start_join: "10.0.0.1" }) });
    expect(problemsOf(() => loadAgentConfig(["--config-file", "/c.json"], {}, io))).toEqual([
      {
        field: "gossipNodes",
        message: 'expected an integer, got "three" (file /c.json, key "gossip_nodes")',
      },
      {
        field: "join",
        message: 'expected an array of strings, got "10.0.0.1" (file /c.json, key "start_join")',
      },
    ]);
  });
});
