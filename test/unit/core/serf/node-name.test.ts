/**
 * One node name rule for the agent's own name and for every peer's: the core's
 * `nodeNameProblem` and the agent config's schema check agree on every name.
 */
import { describe, expect, it } from "vitest";
import { coerceOption } from "../../../../src/agent/config/coerce.js";
import { nodeNameProblem } from "../../../../src/swim/core/serf/node-name.js";

const VALID = ["a", "node-0001", "web.dc1.example", "A-Z.0-9", "x".repeat(128)];
const INVALID = [
  "",
  "bad name!é",
  "under_score",
  "ünïcode",
  "x".repeat(129),
  "n".repeat(300),
  "a/b",
  "tab\t",
];

describe("node name rules", () => {
  it("accepts Serf-valid names and explains each refusal", () => {
    for (const name of VALID) expect(nodeNameProblem(name), name).toBeUndefined();
    expect(nodeNameProblem("")).toBe("node name is empty");
    expect(nodeNameProblem("n".repeat(300))).toBe("node name is 300 characters; the limit is 128");
    expect(nodeNameProblem("bad name!é")).toMatch(/^node name "bad name!é" may contain only letters, digits/);
  });

  it("matches what the agent's config accepts for its own name", () => {
    for (const name of [...VALID, ...INVALID]) {
      const config = coerceOption("nodeName", { json: name });
      expect(config.ok, name).toBe(nodeNameProblem(name) === undefined);
    }
  });
});
