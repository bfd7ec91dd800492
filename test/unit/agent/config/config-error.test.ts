import { describe, expect, it } from "vitest";
import { ConfigError, ErrorCode, ShoalError } from "../../../../src/errors.js";

describe("ConfigError", () => {
  it("lists every problem in its message and keeps them frozen", () => {
    const cause = new Error("root");
    const error = new ConfigError(
      [
        { field: "bind", message: '"x" has no port' },
        { field: "gossipInterval", message: '"abc" is not a duration' },
      ],
      { cause },
    );
    expect(error).toBeInstanceOf(ShoalError);
    expect(error.code).toBe(ErrorCode.config);
    expect(error.name).toBe("ConfigError");
    expect(error.cause).toBe(cause);
    expect(error.message).toBe(
      'invalid configuration:\n  bind: "x" has no port\n  gossipInterval: "abc" is not a duration',
    );
    expect(Object.isFrozen(error.problems)).toBe(true);
    expect(Object.isFrozen(error.problems[0])).toBe(true);
  });
});
