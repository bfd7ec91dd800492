import { describe, expect, it } from "vitest";
import { ENV_TO_OPTION, renderEnvTable } from "../../../../src/agent/config/env.js";
import { META_FLAGS } from "../../../../src/agent/config/flags.js";
import { renderAgentHelp } from "../../../../src/agent/config/help.js";
import { OPTION_NAMES, OPTION_SCHEMAS, envName, optionMeta } from "../../../../src/agent/config/schema.js";

describe("shoal agent --help", () => {
  const help = renderAgentHelp();

  it.each(OPTION_NAMES.map((name) => [name]))(
    "documents %s with its flag, env variable and description",
    (name) => {
      const meta = optionMeta(name);
      expect(help).toContain(meta.flag === undefined ? `  ${name} (` : `  --${meta.flag}`);
      const variable = envName(name);
      if (variable !== undefined) expect(help).toContain(`env: ${variable}`);
      expect(help).toContain(OPTION_SCHEMAS[name].description ?? "missing description");
    },
  );

  it.each(META_FLAGS.map((m) => [m.flag]))("documents --%s", (flag) => {
    expect(help).toContain(`  --${flag}`);
  });

  it("shows constant and preset-dependent defaults", () => {
    expect(help).toContain("default: 0.0.0.0:7946");
    expect(help).toContain("default: 30s");
    expect(help).toContain("default: lan 200ms, wan 500ms, local 100ms");
    expect(help).toContain("default: the hostname");
  });

  it("keeps lines readable in a terminal", () => {
    for (const line of help.split("\n")) expect(line.length).toBeLessThanOrEqual(160);
  });
});

describe("environment table", () => {
  it("has one row per option with an env variable, all distinct", () => {
    const table = renderEnvTable();
    const withEnv = OPTION_NAMES.filter((n) => envName(n) !== undefined);
    expect(ENV_TO_OPTION.size).toBe(withEnv.length);
    for (const name of withEnv) expect(table).toContain(`| \`${envName(name)}\` | \`${name}\` |`);
    expect(table.split("\n")).toHaveLength(withEnv.length + 2);
  });

  it("uses the names the brief promises", () => {
    expect(envName("nodeName")).toBe("SHOAL_NODE");
    expect(envName("tags")).toBe("SHOAL_TAGS");
    expect(envName("join")).toBe("SHOAL_JOIN");
    expect(envName("aclToken")).toBe("SHOAL_ACL_TOKEN");
    expect(envName("logLevel")).toBe("SHOAL_LOG_LEVEL");
    expect(envName("encrypt")).toBe("SHOAL_ENCRYPT");
    expect(envName("services")).toBeUndefined();
  });
});
