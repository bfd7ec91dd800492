import { describe, expect, it } from "vitest";
import { DecodeError, ErrorCode, ShoalError } from "../../src/errors.js";

describe("ShoalError", () => {
  it("carries a stable code, its class name and the cause", () => {
    const cause = new RangeError("short buffer");
    const error = new DecodeError("truncated ping", { cause });
    expect(error).toBeInstanceOf(ShoalError);
    expect(error.code).toBe(ErrorCode.decode);
    expect(error.name).toBe("DecodeError");
    expect(error.cause).toBe(cause);
  });
});
