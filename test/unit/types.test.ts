import { describe, expect, it } from "vitest";
import { PRIORITIES, priorityRank } from "../../src/core/types.ts";

describe("priorities", () => {
  it("rank critical above every other class and best-effort below", () => {
    const ranks = PRIORITIES.map(priorityRank);
    expect(ranks).toEqual([4, 3, 2, 1, 0]);
  });
});
