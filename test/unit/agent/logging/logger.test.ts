import { describe, expect, it } from "vitest";
import { createLogger } from "../../../../src/agent/logging/logger.js";
import { formatPrettyLine } from "../../../../src/agent/logging/pretty.js";

function sink(): { lines: string[]; write(line: string): void } {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
}

describe("createLogger", () => {
  it("writes JSON lines with ISO time, level name, component and fields", () => {
    const out = sink();
    const logger = createLogger({ destination: out, base: { node: "n1" } });
    logger.child("swim").info({ peers: 3 }, "joined");
    expect(out.lines).toHaveLength(1);
    const record = JSON.parse(out.lines[0]!) as Record<string, unknown>;
    expect(record).toMatchObject({ level: "info", component: "swim", node: "n1", peers: 3, msg: "joined" });
    expect(record["time"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(out.lines[0]!.endsWith("\n")).toBe(true);
  });

  it("filters by level and changes the level of existing children at runtime", () => {
    const out = sink();
    const logger = createLogger({ destination: out, level: "warn" });
    const swim = logger.child("swim");
    const grandchild = swim.child({ peer: "b" });
    swim.info("hidden");
    logger.setLevel("debug");
    expect(logger.level()).toBe("debug");
    swim.debug("shown");
    grandchild.debug("shown too");
    logger.child("http").trace("hidden");
    logger.setLevel("error");
    swim.warn("hidden again");
    grandchild.error("boom");
    expect(out.lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual([
      "shown",
      "shown too",
      "boom",
    ]);
  });

  it("writes one readable line per record in pretty format", () => {
    const out = sink();
    const logger = createLogger({ destination: out, format: "pretty", colors: false });
    logger.child("http").warn({ status: 503, path: "/v1/agent/members", note: "two words" }, "slow request");
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z WARN {2}\[http\] slow request status=503 path=\/v1\/agent\/members note="two words"\n$/,
    );
  });
});

describe("formatPrettyLine", () => {
  it.each([
    [{ time: "T", level: "info", msg: "hi" }, "T INFO  hi"],
    [
      {
        time: "T",
        level: "error",
        component: "agent",
        msg: "x",
        err: { type: "Error", message: "bad\nthing", stack: "..." },
      },
      'T ERROR [agent] x err="Error: bad\\nthing"',
    ],
    [
      { time: "T", level: "debug", msg: "m", obj: { a: 1 }, list: [1, 2], empty: "", flag: true },
      'T DEBUG m obj={"a":1} list=[1,2] empty="" flag=true',
    ],
    [{ time: "T", level: "info", msg: "multi\nline" }, "T INFO  multi line"],
    [{ time: "T", level: "info", msg: "q", s: 'say "hi"', eq: "a=b" }, 'T INFO  q s="say \\"hi\\"" eq="a=b"'],
  ])("%j", (record, line) => {
    expect(formatPrettyLine(record)).toBe(line);
  });

  it("colours the level on request", () => {
    expect(formatPrettyLine({ time: "T", level: "warn", msg: "m" }, true)).toContain(
      "\u001b[33mWARN \u001b[0m",
    );
  });
});
