// A recurring series in a time zone keeps its local wall-clock time and its length across the
// European and American daylight-saving changes, and its occurrences never overlap. The local
// readings are checked with a formatter of their own (Sweden's locale writes ISO-like dates), not
// with the code under test.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { instantOf, seriesStarts } from "../../../src/core/series.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC"] as const;

/** "2027-03-28 02:30" as read on the zone's clocks. */
const reading = (t: number, timeZone: string) =>
  new Date(t).toLocaleString("sv-SE", { timeZone, hour12: false }).slice(0, 16);
/** The same for a wall-clock time written as if it were UTC. */
const written = (local: number) => new Date(local).toISOString().slice(0, 16).replace("T", " ");

const series = fc.record({
  zone: fc.constantFrom(...ZONES),
  // Local dates from late 2026 to 2028: each year's March, April, October and November changes.
  day: fc.integer({ min: 0, max: 800 }),
  quarter: fc.integer({ min: 0, max: 95 }),
  every: fc.constantFrom("day" as const, "week" as const),
  count: fc.integer({ min: 1, max: 100 }),
  quarters: fc.integer({ min: 1, max: 4 * 24 * 8 }),
});

const EPOCH_DAY = Date.UTC(2026, 10, 1);

describe("recurring series in a time zone", () => {
  it("keeps each occurrence's local time and length, never overlapping, or refuses an overlap", () => {
    fc.assert(
      fc.property(series, ({ zone, day, quarter, every, count, quarters }) => {
        const step = every === "day" ? DAY : 7 * DAY;
        const asked = EPOCH_DAY + day * DAY + quarter * 15 * MIN;
        const start = instantOf(asked, zone);
        // The series keeps the first start's reading: the one asked for, or the hour after it
        // when the clocks skip the time asked for that day.
        const local = Date.parse(`${reading(start, zone).replace(" ", "T")}:00Z`);
        const length = quarters * 15 * MIN;
        const until = instantOf(local + count * step, zone);
        const out = seriesStarts({ start, end: start + length, every, until, timeZone: zone });
        // The shortest gap between two starts. Each start's reading is checked below with the
        // test's own formatter, so the starts themselves can come from `instantOf`.
        let shortest = Number.POSITIVE_INFINITY;
        for (let k = 1; k < count; k++) {
          const gap =
            instantOf(local + k * step, zone) - (k === 1 ? start : instantOf(local + (k - 1) * step, zone));
          shortest = Math.min(shortest, gap);
        }
        if (!out.ok) {
          expect(out.field).toBe("repeat");
          expect(length).toBeGreaterThan(shortest);
          return;
        }
        expect(length <= shortest).toBe(true);
        expect(out.occurrences).toHaveLength(count);
        out.occurrences.forEach((o, k) => {
          expect(o.end - o.start).toBe(length);
          const want = written(local + k * step);
          const got = reading(o.start, zone);
          if (got !== want) {
            // Only a wall-clock time the clocks skip moves, by the hour they skip, and then nothing
            // an hour earlier reads the wanted time.
            expect(got).toBe(written(local + k * step + HOUR));
            expect(reading(o.start - HOUR, zone)).not.toBe(want);
          }
          if (k > 0) expect(o.start).toBeGreaterThanOrEqual(out.occurrences[k - 1]!.end);
          if (zone === "UTC") expect(o.start).toBe(start + k * step);
        });
      }),
      { numRuns: 400 },
    );
  });

  it.each([
    // Berlin's clocks go forward on 28 March 2027 and back on 31 October 2027.
    [
      "Europe/Berlin",
      "2027-03-26T19:00:00Z",
      [
        "2027-03-26T19:00:00.000Z",
        "2027-03-27T19:00:00.000Z",
        "2027-03-28T18:00:00.000Z",
        "2027-03-29T18:00:00.000Z",
      ],
    ],
    [
      "Europe/Berlin",
      "2027-10-29T18:00:00Z",
      [
        "2027-10-29T18:00:00.000Z",
        "2027-10-30T18:00:00.000Z",
        "2027-10-31T19:00:00.000Z",
        "2027-11-01T19:00:00.000Z",
      ],
    ],
    // New York's: forward on 14 March 2027, back on 7 November 2027.
    [
      "America/New_York",
      "2027-03-13T01:00:00Z",
      [
        "2027-03-13T01:00:00.000Z",
        "2027-03-14T01:00:00.000Z",
        "2027-03-15T00:00:00.000Z",
        "2027-03-16T00:00:00.000Z",
      ],
    ],
    [
      "UTC",
      "2027-03-26T19:00:00Z",
      [
        "2027-03-26T19:00:00.000Z",
        "2027-03-27T19:00:00.000Z",
        "2027-03-28T19:00:00.000Z",
        "2027-03-29T19:00:00.000Z",
      ],
    ],
  ])("every day at the first start's local time in %s from %s", (timeZone, first, expected) => {
    const start = Date.parse(first);
    const out = seriesStarts({
      start,
      end: start + HOUR,
      every: "day",
      until: start + 4 * DAY - HOUR,
      timeZone,
    });
    expect(out.ok && out.occurrences.map((o) => new Date(o.start).toISOString())).toEqual(expected);
  });

  it.each([
    ["Mars/Olympus", "repeat.timeZone"],
    ["+01:00", "repeat.timeZone"],
    ["", "repeat.timeZone"],
  ])("refuses the time zone %j", (timeZone, field) => {
    const out = seriesStarts({ start: 0, end: HOUR, every: "day", until: 3 * DAY, timeZone });
    expect(out).toMatchObject({ ok: false, field });
  });

  it("moves a start the clocks skip forward by the hour they skip", () => {
    // 02:30 on 28 March 2027 does not exist in Berlin: 03:30 CEST (01:30Z) is the wall clock then.
    expect(new Date(instantOf(Date.UTC(2027, 2, 28, 2, 30), "Europe/Berlin")).toISOString()).toBe(
      "2027-03-28T01:30:00.000Z",
    );
    // 02:30 on 31 October 2027 happens twice: the first (CEST, 00:30Z).
    expect(new Date(instantOf(Date.UTC(2027, 9, 31, 2, 30), "Europe/Berlin")).toISOString()).toBe(
      "2027-10-31T00:30:00.000Z",
    );
  });
});
