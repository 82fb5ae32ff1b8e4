import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gpuSet } from "../../../src/adapters/db/mappers.ts";

/** The ordinals an int4multirange literal of half-open integer runs holds. */
function ordinalsOf(literal: string): number[] {
  const out: number[] = [];
  for (const [, lo, hi] of literal.matchAll(/\[(\d+),(\d+)\)/g))
    for (let o = Number(lo); o < Number(hi); o++) out.push(o);
  return out;
}

describe("a slot row's GPU set", () => {
  it("writes runs of consecutive ordinals as one range each", () => {
    expect(gpuSet([0, 1, 2, 5])).toBe("{[0,3),[5,6)}");
    expect(gpuSet([7, 6, 5, 4])).toBe("{[4,8)}");
    expect(gpuSet([3])).toBe("{[3,4)}");
  });

  it("holds exactly the placement's ordinals, in ascending disjoint runs that never touch", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 15 }), { minLength: 1, maxLength: 16 }), (ordinals) => {
        const literal = gpuSet(ordinals);
        expect(ordinalsOf(literal)).toEqual([...new Set(ordinals)].sort((a, b) => a - b));
        const bounds = [...literal.matchAll(/\[(\d+),(\d+)\)/g)].map(([, lo, hi]) => [
          Number(lo),
          Number(hi),
        ]);
        // Canonical form: a gap of at least one ordinal between runs (PostgreSQL would merge touching ones).
        for (let i = 1; i < bounds.length; i++) expect(bounds[i]![0]).toBeGreaterThan(bounds[i - 1]![1]!);
      }),
    );
  });
});
