import { describe, expect, it } from "vitest";
import {
  compileFilter,
  FilterError,
  parseFilter,
  printFilter,
} from "../../../../src/agent/catalog/filter.js";
import { ServiceHealthSchema } from "../../../../src/http-api/schemas.js";

const entry = {
  Node: { Node: "node-a", Address: "10.0.0.1", Meta: { rack: "r1", "odd key": "yes" } },
  Service: {
    ID: "web-1",
    Service: "web",
    Tags: ["v1", "primary"],
    Meta: { env: "prod" },
    Port: 8080,
    EnableTagOverride: false,
  },
  Checks: [
    { CheckID: "serfHealth", Status: "passing", ServiceTags: [] },
    { CheckID: "service:web-1", Status: "critical", ServiceTags: ["v1", "primary"] },
  ],
};

describe("filter evaluation", () => {
  it.each([
    ['Service.Service == "web"', true],
    ['Service.Service != "web"', false],
    ["Service.Port == 8080", true],
    ['Service.Port == "8080"', true],
    ["Service.Port != 80", true],
    ["Service.EnableTagOverride == false", true],
    ['"v1" in Service.Tags', true],
    ['"v2" not in Service.Tags', true],
    ['Service.Tags contains "primary"', true],
    ['Service.Tags not contains "primary"', false],
    ['Service.Meta contains "env"', true],
    ['Service.Service contains "e"', true],
    ['Service.Meta.env == "prod"', true],
    ["Service.Meta.missing is empty", true],
    ["Service.Meta.env is not empty", true],
    ['Service.Meta.missing == ""', true],
    ["Service.Tags is empty", false],
    ['Node.Meta["odd key"] == "yes"', true],
    ['Node.Node matches "^node-[a-z]$"', true],
    ['Node.Node not matches "^db"', true],
    ['Service.Service matches "(?i)^WEB"', true],
    ['Checks.Status == "critical"', true],
    ['Checks.Status == "warning"', false],
    ['Checks.CheckID == "serfHealth" and Checks.Status == "passing"', true],
    ['Service.Service == "db" or Service.Port == 8080', true],
    ['not Service.Service == "db"', true],
    ['not (Service.Service == "web" and Service.Port == 1)', true],
    ['Service.Service == "web" and (Service.Port == 1 or "v1" in Service.Tags)', true],
    ["Service.ID == Service.ID", true],
    ["Service.Service == `web`", true],
    ['Service.Service == "w\\u0065b"', true],
  ])("%s → %s", (source, expected) => {
    expect(compileFilter(source, ServiceHealthSchema)(entry)).toBe(expected);
  });

  it("gives `and` precedence over `or`", () => {
    const f = compileFilter('Service.Port == 1 and Service.Port == 2 or Service.Service == "web"');
    expect(f(entry)).toBe(true);
    expect(parseFilter("a == 1 or b == 2 and c == 3")).toMatchObject({ kind: "or", right: { kind: "and" } });
  });

  it("rejects unknown selectors when given a schema", () => {
    expect(() => compileFilter('Service.Nope == "x"', ServiceHealthSchema)).toThrow(
      'selector "Service.Nope" is not valid',
    );
    expect(() => compileFilter('Service.Meta.anything == "x"', ServiceHealthSchema)).not.toThrow();
    expect(() => compileFilter('Checks.Status == "x"', ServiceHealthSchema)).not.toThrow();
  });

  it.each([
    ["", "expected a value"],
    ["Service ==", "expected a value"],
    ['Service = "x"', "unexpected '='"],
    ['"x" == Service', "expected a selector"],
    ['Service == "x', "unterminated string"],
    ["(Service == 1", "expected ')'"],
    ["Service == 1 Service == 2", "unexpected"],
    ["Service matches 1", "quoted regular expression"],
    ['Service matches "("', "invalid regular expression"],
    ["Service is full", "expected 'empty'"],
    ["Service not equals 1", "after 'not'"],
    ["Service ~ 1", "unexpected character"],
    ['Service == "\\q"', "bad escape"],
    ['a["x" == 1', "expected ']'"],
  ])("reports %j as a FilterError (%s)", (source, message) => {
    expect(() => compileFilter(source)).toThrow(FilterError);
    expect(() => compileFilter(source)).toThrow(message);
  });

  it("bounds nesting and length", () => {
    expect(() => parseFilter(`${"(".repeat(100)}a == 1${")".repeat(100)}`)).toThrow("nested too deeply");
    expect(() => parseFilter(`a == "${"x".repeat(5000)}"`)).toThrow("longer than");
  });

  it("prints what it parsed", () => {
    const source = 'not (a.b == "x" or "y" in c) and d["k k"] is not empty and e not matches "^z"';
    const ast = parseFilter(source);
    expect(parseFilter(printFilter(ast))).toEqual(ast);
    expect(printFilter(ast)).toBe(
      'not (a.b == "x" or "y" in c) and d["k k"] is not empty and e not matches "^z"',
    );
  });
});
