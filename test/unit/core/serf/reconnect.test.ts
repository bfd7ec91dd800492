import { describe, expect, it } from "vitest";
import type { Rng } from "../../../../src/swim/core/api.js";
import { MemberTable } from "../../../../src/swim/core/serf/member-state.js";
import { pickReconnectTarget } from "../../../../src/swim/core/serf/reconnect.js";

/** An Rng returning scripted values. */
function scripted(next: number[], ints: number[] = []): Rng {
  return {
    next: () => next.shift() ?? 0,
    int: () => ints.shift() ?? 0,
  };
}

function table(alive: number, failed: number, left = 0): MemberTable {
  const t = new MemberTable("n0");
  let i = 0;
  const add = (): string => {
    const name = `n${i++}`;
    t.nodeJoined({ name, address: { host: "10.0.0.1", port: i }, tags: {}, vsn: [1, 5, 2, 2, 5, 5] });
    return name;
  };
  for (let k = 0; k < alive; k++) add();
  for (let k = 0; k < failed; k++) t.nodeLeft(add(), false, 0);
  for (let k = 0; k < left; k++) t.nodeLeft(add(), true, 0);
  return t;
}

describe("pickReconnectTarget (Serf's reconnect)", () => {
  it("does nothing without failed members", () => {
    expect(pickReconnectTarget(table(3, 0), scripted([0]))).toBeUndefined();
  });

  it("tries with probability failed/alive, so the cluster tries each failed member about once per interval", () => {
    const t = table(10, 2, 3); // p = 2 / 10
    expect(pickReconnectTarget(t, scripted([0.21]))).toBeUndefined();
    expect(pickReconnectTarget(t, scripted([0.19], [1]))?.name).toBe(t.failed()[1]?.name);
  });

  it("always tries when failed members outnumber alive ones (and never divides by zero)", () => {
    expect(pickReconnectTarget(table(0, 1), scripted([0.99]))?.status).toBe("failed");
    expect(pickReconnectTarget(table(1, 3), scripted([0.99]))?.status).toBe("failed");
  });
});
