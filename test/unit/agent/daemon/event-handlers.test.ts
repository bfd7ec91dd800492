import { describe, expect, it } from "vitest";
import {
  EventHandlerRunner,
  handlerEnv,
  handlerStdin,
  type HandlerEvent,
} from "../../../../src/agent/daemon/event-handlers.js";
import type { MemberInfo } from "../../../../src/http-api/agent-view.js";
import type { MemberView } from "../../../../src/swim/core/api.js";
import { memberView } from "../../../support/member-view.js";

const member: MemberInfo = {
  name: "web-1",
  addr: "10.0.0.5",
  port: 7946,
  tags: { role: "web", "dc.zone": "a\tb" },
  status: "alive",
  protocolMin: 2,
  protocolMax: 5,
  protocolCur: 5,
  delegateMin: 2,
  delegateMax: 5,
  delegateCur: 5,
};
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

function runner(specs: readonly string[]): { runner: EventHandlerRunner; logs: string[] } {
  const logs: string[] = [];
  return {
    runner: EventHandlerRunner.fromConfig(specs, {
      selfName: "me",
      tags: () => ({ role: "db" }),
      log: (level, message) => logs.push(`${level}: ${message}`),
    }),
    logs,
  };
}

describe("event handler environment and stdin (Serf's)", () => {
  it("sets SERF_EVENT, SERF_SELF_*, SERF_TAG_* and the event's name and Lamport time", () => {
    const event: HandlerEvent = { type: "user", name: "deploy", payload: bytes("v1"), lTime: 7 };
    expect(handlerEnv("me", { role: "db", "rack-id": "r1" }, event)).toEqual({
      SERF_EVENT: "user",
      SERF_SELF_NAME: "me",
      SERF_SELF_ROLE: "db",
      SERF_TAG_ROLE: "db",
      SERF_TAG_RACK_ID: "r1",
      SERF_USER_EVENT: "deploy",
      SERF_USER_LTIME: "7",
    });
  });

  it("writes member lines (escaped) for member events and the payload plus newline otherwise", () => {
    expect(handlerStdin({ type: "member-join", members: [member] }).toString()).toBe(
      "web-1\t10.0.0.5\tweb\trole=web,dc.zone=a\\tb\n",
    );
    expect(handlerStdin({ type: "query", name: "q", payload: bytes("x"), lTime: 1 }).toString()).toBe("x\n");
    expect(handlerStdin({ type: "query", name: "q", payload: bytes("x\n"), lTime: 1 }).toString()).toBe(
      "x\n",
    );
  });
});

describe("EventHandlerRunner", () => {
  it("answers a query with the output of the first matching handler that exits 0", async () => {
    const { runner: r } = runner([
      "query:other=echo wrong",
      "query=exit 3",
      'query:who=printf "%s:%s" "$SERF_SELF_NAME" "$(cat)"',
      "query=echo second",
    ]);
    const answers: string[] = [];
    r.dispatch({ type: "query", name: "who", payload: bytes("hi"), lTime: 1 }, (out) =>
      answers.push(Buffer.from(out).toString()),
    );
    await r.idle();
    expect(answers).toEqual(["me:hi"]);
  });

  it("runs handlers in event order and filters by type and name", async () => {
    const { runner: r, logs } = runner(["user:deploy=echo deployed", "member-join=exit 1"]);
    r.dispatch({ type: "user", name: "other", payload: bytes(""), lTime: 1 });
    r.dispatch({ type: "member-join", members: [member] });
    await r.idle();
    expect(logs).toEqual(["warn: event handler for member-join exited with 1: "]);
  });

  it("runs reloaded handlers for events dispatched after reload, queued ones keep theirs", async () => {
    const { runner: r } = runner(['query=echo "old $(cat)"']);
    const answers: string[] = [];
    const collect = (out: Uint8Array): number => answers.push(Buffer.from(out).toString().trim());
    r.dispatch({ type: "query", name: "q", payload: bytes("1"), lTime: 1 }, collect);
    r.reload(['query=echo "new $(cat)"']);
    r.dispatch({ type: "query", name: "q", payload: bytes("2"), lTime: 2 }, collect);
    await r.idle();
    expect(answers).toEqual(["old 1", "new 2"]);
    r.reload([]);
    expect(r.active).toBe(false);
  });

  it("runs member batches and user events as coalescing delivers them, not as the core reports them", async () => {
    const { runner: r, logs } = runner([
      'member-failed=echo "$(cat | cut -f1 | tr "\\n" " ")" >&2; exit 1',
      'user:deploy=echo "$SERF_USER_LTIME" >&2; exit 1',
    ]);
    const view = (name: string): MemberView =>
      memberView(name, {
        address: { host: "10.0.0.1", port: 7946 },
        status: "failed",
        memberlistState: "dead",
      });
    // Straight from the core: left to the coalescing channel.
    r.onSwimEvent({ kind: "memberFailed", member: view("x") }, () => undefined);
    r.onSwimEvent(
      { kind: "userEventReceived", name: "deploy", payload: bytes(""), lTime: 1, coalesce: true },
      () => undefined,
    );
    r.onCoalescedEvent({ kind: "memberFailed", members: [view("a"), view("b")] });
    r.onCoalescedEvent({
      kind: "userEventReceived",
      name: "deploy",
      payload: bytes(""),
      lTime: 7,
      coalesce: true,
    });
    await r.idle();
    expect(logs).toEqual([
      "warn: event handler for member-failed exited with 1: a b",
      "warn: event handler for user exited with 1: 7",
    ]);
  });

  it("keeps internal _serf_ queries away from handlers", async () => {
    const { runner: r } = runner(["query=echo answered"]);
    const answered: number[] = [];
    r.onSwimEvent(
      { kind: "queryReceived", id: 4, lTime: 2, name: "_serf_ping", payload: bytes(""), sourceNode: "x" },
      (id) => answered.push(id),
    );
    r.onSwimEvent(
      { kind: "queryReceived", id: 5, lTime: 3, name: "ping", payload: bytes(""), sourceNode: "x" },
      (id) => answered.push(id),
    );
    await r.idle();
    expect(answered).toEqual([5]);
  });
});
