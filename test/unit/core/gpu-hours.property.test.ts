// GPU-hours (src/core/gpu-hours.ts): the one formula the usage rows, the quota and every audit entry
// of lost or freed hours use. Table cases for the three questions asked of it, and properties that
// tie them together: what ending a booking gives up plus what it had used is what it booked.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bookedGpuHours, bookedGpuSeconds, gpuHoursAhead, HOUR_MS } from "../../../src/core/gpu-hours.ts";

const H = HOUR_MS;
const shape = { nodes: 2, gpusPerNode: 4 };

describe("GPU-hours", () => {
  const cases = [
    {
      name: "before the start, all of it is ahead",
      window: { start: 10 * H, end: 13 * H },
      now: 0,
      ahead: 24,
    },
    {
      name: "while running, the rest is ahead",
      window: { start: 10 * H, end: 13 * H },
      now: 12 * H,
      ahead: 8,
    },
    {
      name: "after the end, nothing is ahead",
      window: { start: 10 * H, end: 13 * H },
      now: 14 * H,
      ahead: 0,
    },
    { name: "an inverted window counts zero", window: { start: 13 * H, end: 10 * H }, now: 0, ahead: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => expect(gpuHoursAhead(shape, c.window, c.now)).toBe(c.ahead));
  }

  it("books nodes × GPUs × hours, and keeps it in seconds for the usage rows", () => {
    expect(bookedGpuHours(shape, { start: 0, end: 90 * 60_000 })).toBe(12);
    expect(bookedGpuSeconds(shape, { start: 0, end: 90 * 60_000 })).toBe(12 * 3600);
  });

  const arbs = {
    shape: fc.record({ nodes: fc.integer({ min: 1, max: 64 }), gpusPerNode: fc.integer({ min: 1, max: 8 }) }),
    start: fc.integer({ min: 0, max: 1000 * H }),
    length: fc.integer({ min: 0, max: 100 * H }),
    at: fc.integer({ min: -10 * H, max: 1200 * H }),
  };

  it("what is ahead at any instant plus what was held before it is what was booked", () => {
    fc.assert(
      fc.property(arbs.shape, arbs.start, arbs.length, arbs.at, (s, start, length, at) => {
        const window = { start, end: start + length };
        const held = bookedGpuHours(s, { start, end: Math.max(start, Math.min(at, window.end)) });
        expect(gpuHoursAhead(s, window, at) + held).toBeCloseTo(bookedGpuHours(s, window), 6);
      }),
    );
  });

  it("never grows as time passes, and is never negative", () => {
    fc.assert(
      fc.property(arbs.shape, arbs.start, arbs.length, arbs.at, arbs.at, (s, start, length, a, b) => {
        const window = { start, end: start + length };
        const [early, late] = a <= b ? [a, b] : [b, a];
        expect(gpuHoursAhead(s, window, late)).toBeLessThanOrEqual(gpuHoursAhead(s, window, early));
        expect(gpuHoursAhead(s, window, late)).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});
