import { describe, expect, it } from "vitest";
import { parseEventHandlerSpec } from "../../../../src/agent/config/event-handler-spec.js";

describe("parseEventHandlerSpec (Serf syntax)", () => {
  it.each([
    ["handler.sh", [{ event: "*" }], "handler.sh"],
    ["member-join=join.sh", [{ event: "member-join" }], "join.sh"],
    [
      "member-join,member-leave,member-failed=m.sh arg",
      [{ event: "member-join" }, { event: "member-leave" }, { event: "member-failed" }],
      "m.sh arg",
    ],
    ["user:deploy=deploy.sh", [{ event: "user", name: "deploy" }], "deploy.sh"],
    ["user=u.sh", [{ event: "user" }], "u.sh"],
    ["query:load=q.sh", [{ event: "query", name: "load" }], "q.sh"],
    ["*=FOO=1 ./x.sh", [{ event: "*" }], "FOO=1 ./x.sh"],
    ["member-reap,member-update=r.sh", [{ event: "member-reap" }, { event: "member-update" }], "r.sh"],
  ])("%j", (spec, filters, script) => {
    expect(parseEventHandlerSpec(spec)).toEqual({ filters, script });
  });

  it.each(["", "user=", "member-explode=x.sh", "FOO=1 ./x.sh"])("rejects %j", (spec) => {
    expect(typeof parseEventHandlerSpec(spec)).toBe("string");
  });
});
