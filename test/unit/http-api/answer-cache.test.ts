import { describe, expect, it } from "vitest";
import { AnswerCache } from "../../../src/http-api/answer-cache.js";

describe("AnswerCache", () => {
  it("computes once per URL while the index stands, and again once it moves", () => {
    const cache = new AnswerCache();
    let computed = 0;
    const compute = (): string => `answer-${++computed}`;
    expect(cache.answer("/a", 5, compute).toString()).toBe("answer-1");
    expect(cache.answer("/a", 5, compute).toString()).toBe("answer-1");
    expect(cache.answer("/b", 5, compute).toString()).toBe("answer-2");
    expect(cache.answer("/a", 6, compute).toString()).toBe("answer-3");
  });

  it("stays bounded: past its size it starts over", () => {
    const cache = new AnswerCache(2);
    let computed = 0;
    const compute = (): string => String(++computed);
    cache.answer("/1", 1, compute);
    cache.answer("/2", 1, compute);
    cache.answer("/3", 1, compute);
    expect(cache.answer("/3", 1, compute).toString()).toBe("3");
    expect(cache.answer("/1", 1, compute).toString()).toBe("4");
  });
});
