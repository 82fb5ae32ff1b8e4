import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jobUsage } from "../../../src/core/job-usage.ts";

const H = 3_600_000;

describe("a job's GPU-hours and preemptions", () => {
  it("adds every run, counting a run still going up to now, and counts the preempted ones", () => {
    const runs = [
      { start: 0, end: 2 * H, outcome: "preempted" },
      { start: 3 * H, end: 4 * H, outcome: "stopped" },
      { start: 5 * H, end: null, outcome: null },
    ];
    expect(jobUsage(4, runs, 5.5 * H)).toEqual({ gpuHours: 4 * 3.5, preemptions: 1 });
    expect(jobUsage(4, [], 5 * H)).toEqual({ gpuHours: 0, preemptions: 0 });
  });

  it("never decreases as time passes and is additive over runs", () => {
    const run = fc.record({
      start: fc.integer({ min: 0, max: 100 * H }),
      length: fc.integer({ min: 0, max: 10 * H }),
      open: fc.boolean(),
      outcome: fc.constantFrom("preempted", "stopped", "succeeded", null),
    });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.array(run, { maxLength: 8 }), (gpus, raw) => {
        const now = 120 * H;
        const runs = raw.map((r) => ({
          start: r.start,
          end: r.open ? null : r.start + r.length,
          outcome: r.open ? null : r.outcome,
        }));
        const all = jobUsage(gpus, runs, now);
        const parts = runs.map((r) => jobUsage(gpus, [r], now));
        expect(all.gpuHours).toBeCloseTo(
          parts.reduce((s, p) => s + p.gpuHours, 0),
          2,
        );
        expect(all.preemptions).toBe(runs.filter((r) => r.outcome === "preempted").length);
        expect(jobUsage(gpus, runs, now + H).gpuHours).toBeGreaterThanOrEqual(all.gpuHours);
      }),
    );
  });
});
