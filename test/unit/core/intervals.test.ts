import { describe, expect, it } from "vitest";
import { intersect, merge, overlaps, subtract } from "../../../src/core/intervals.ts";
import { isoWeekStart, splitByIsoWeek } from "../../../src/core/iso-week.ts";

const r = (start: number, end: number) => ({ start, end });

describe("half-open intervals", () => {
  const cases = [
    { name: "touching ranges do not overlap", a: r(0, 10), b: r(10, 20), overlaps: false, inter: null },
    { name: "nested ranges overlap", a: r(0, 10), b: r(2, 3), overlaps: true, inter: r(2, 3) },
    {
      name: "crossing ranges overlap on their common part",
      a: r(0, 10),
      b: r(5, 15),
      overlaps: true,
      inter: r(5, 10),
    },
    { name: "an empty range overlaps nothing", a: r(5, 5), b: r(0, 10), overlaps: false, inter: null },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(overlaps(c.a, c.b)).toBe(c.overlaps);
      expect(intersect(c.a, c.b)).toEqual(c.inter);
    });
  }

  it("merges touching and overlapping ranges into a sorted union", () => {
    expect(merge([r(10, 20), r(0, 5), r(5, 8), r(15, 30), r(40, 40)])).toEqual([r(0, 8), r(10, 30)]);
  });

  it("subtracts holes, keeping the gaps in order", () => {
    expect(subtract(r(0, 100), [r(10, 20), r(15, 30), r(90, 120), r(-5, 2)])).toEqual([r(2, 10), r(30, 90)]);
    expect(subtract(r(0, 10), [r(0, 10)])).toEqual([]);
  });
});

describe("UTC ISO weeks", () => {
  it("start on Monday 00:00 UTC", () => {
    expect(new Date(isoWeekStart(Date.parse("2026-12-06T23:59:59.999Z"))).toISOString()).toBe(
      "2026-11-30T00:00:00.000Z",
    );
    expect(new Date(isoWeekStart(Date.parse("2026-12-07T00:00:00.000Z"))).toISOString()).toBe(
      "2026-12-07T00:00:00.000Z",
    );
    // A year boundary inside a week: 2026-01-01 is a Thursday of the week starting 2025-12-29.
    expect(new Date(isoWeekStart(Date.parse("2026-01-01T12:00:00.000Z"))).toISOString()).toBe(
      "2025-12-29T00:00:00.000Z",
    );
  });

  it("split a window across weeks into its part in each", () => {
    const parts = splitByIsoWeek(r(Date.parse("2026-12-06T20:00:00Z"), Date.parse("2026-12-14T04:00:00Z")));
    expect(
      parts.map((p) => [new Date(p.weekStart).toISOString(), (p.part.end - p.part.start) / 3_600_000]),
    ).toEqual([
      ["2026-11-30T00:00:00.000Z", 4],
      ["2026-12-07T00:00:00.000Z", 168],
      ["2026-12-14T00:00:00.000Z", 4],
    ]);
  });
});
