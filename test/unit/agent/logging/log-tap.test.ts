import { describe, expect, it } from "vitest";
import { createLogger } from "../../../../src/agent/logging/logger.js";
import type { LogRecord } from "../../../../src/agent/logging/log-tap.js";

function sink(): { lines: string[]; write(line: string): void } {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
}

const msgs = (lines: readonly string[]): string[] => lines.map((l) => (JSON.parse(l) as { msg: string }).msg);

describe("the logger's tap (monitor subscribers)", () => {
  it("hands every component's records to subscribers, parsed", () => {
    const out = sink();
    const logger = createLogger({ destination: out });
    const seen: LogRecord[] = [];
    const off = logger.subscribe((r) => seen.push(r), "info");
    logger.child("http").info({ status: 200 }, "request completed");
    logger.child("agent").warn("memberFailed: b");
    off();
    logger.child("agent").info("after unsubscribe");
    expect(seen.map((r) => [r["component"], r["msg"]])).toEqual([
      ["http", "request completed"],
      ["agent", "memberFailed: b"],
    ]);
    expect(seen[0]?.["status"]).toBe(200);
    expect(msgs(out.lines)).toEqual(["request completed", "memberFailed: b", "after unsubscribe"]);
  });

  it("lets a subscriber see levels below the output level without them reaching the output", () => {
    const out = sink();
    const logger = createLogger({ destination: out, level: "info" });
    const swim = logger.child("swim"); // created before the subscription: must follow it too
    const seen: string[] = [];
    const off = logger.subscribe((r) => seen.push(String(r["msg"])), "debug");
    swim.debug("debug while monitored");
    swim.trace("below the monitor's level");
    swim.info("info while monitored");
    off();
    swim.debug("debug after");
    expect(seen).toEqual(["debug while monitored", "info while monitored"]);
    expect(msgs(out.lines)).toEqual(["info while monitored"]);
    expect(logger.level()).toBe("info");
  });

  it("keeps the output level across setLevel while someone subscribes", () => {
    const out = sink();
    const logger = createLogger({ destination: out, level: "warn" });
    const off = logger.subscribe(() => undefined, "trace");
    logger.setLevel("error");
    logger.child("a").warn("hidden");
    logger.child("a").error("shown");
    off();
    expect(msgs(out.lines)).toEqual(["shown"]);
  });
});
