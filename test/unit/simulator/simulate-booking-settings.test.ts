// A workload's "rules" (the operator's booking settings, as the service reads them from the
// environment) change what `berth simulate` books, displaces and signals.
import { describe, expect, it } from "vitest";
import { simulateWorkload } from "../../../src/simulator/simulate.ts";
import { WorkloadError } from "../../../src/simulator/workload.ts";
import { at, cluster, job, reservation } from "./builders.ts";

// A job that keeps the run going past the bookings (a run ends when its jobs have).
const owner = job({ id: "own", submitAt: at(3600), duration: 60 });
const kinds = (out: ReturnType<typeof simulateWorkload>, id: string) =>
  out.events.filter(
    (e) => e.reservation === id && (e.type === "book" || e.type === "refuse" || e.type === "displace"),
  );

describe("berth simulate with operator rules", () => {
  it("refuses a booking off a one-hour grid that the default quarter-hour grid accepts", () => {
    const w = {
      cluster: cluster(1),
      reservations: [reservation({ start: at(4500), end: at(8100) })],
      jobs: [job({ id: "own", reservation: "r", submitAt: at(4500), duration: 60 })],
    };
    expect(kinds(simulateWorkload(w), "r").map((e) => e.type)).toEqual(["book"]);
    const hourly = simulateWorkload({ ...w, rules: { gridMinutes: 60 } });
    expect(kinds(hourly, "r")).toEqual([
      {
        t: at(0),
        type: "refuse",
        reservation: "r",
        reason: "invalid: start: start must lie on the 60 min grid; end: end must lie on the 60 min grid",
      },
    ]);
  });

  it("books on the hour under a one-hour grid", () => {
    const out = simulateWorkload({
      cluster: cluster(1),
      reservations: [reservation({})],
      jobs: [owner],
      rules: { gridMinutes: 60 },
    });
    expect(kinds(out, "r").map((e) => e.type)).toEqual(["book"]);
  });

  it("refuses what lies beyond a shorter horizon or lasts longer than a shorter maximum", () => {
    const far = reservation({ id: "far", start: at(3 * 86_400), end: at(3 * 86_400 + 3600) });
    const long = reservation({ id: "long", start: at(3600), end: at(3600 + 2 * 86_400) });
    const out = simulateWorkload({
      cluster: cluster(2),
      reservations: [far, long],
      jobs: [owner],
      rules: { horizonDays: 2, maxDays: 1 },
    });
    expect(out.events.filter((e) => e.type === "refuse").map((e) => [e.reservation, e.reason])).toEqual([
      ["far", "invalid: start: start is beyond the 2-day horizon"],
      ["long", "invalid: end: a booking lasts at most 1 days"],
    ]);
  });

  it("displaces inside the default two-hour freeze only when the operator shortens it", () => {
    const low = reservation({ id: "low", priority: "low", start: at(3600), end: at(7200), bookedAt: at(0) });
    const high = reservation({
      id: "high",
      priority: "critical",
      start: at(3600),
      end: at(7200),
      bookedAt: at(1800),
    });
    const w = { cluster: cluster(1), reservations: [low, high], jobs: [owner] };
    const frozen = simulateWorkload(w);
    expect(frozen.events.find((e) => e.reservation === "high")).toMatchObject({ type: "refuse" });
    const thawed = simulateWorkload({ ...w, rules: { freezeMinutes: 15 } });
    expect(thawed.events.filter((e) => e.type === "displace")).toEqual([
      { t: at(1800), type: "displace", reservation: "low", by: "high" },
    ]);
  });

  it("gives a job that names no grace the operator's default grace", () => {
    const w = {
      cluster: cluster(1),
      jobs: [
        { ...job({ id: "a", priority: "low" }), grace: undefined },
        job({ id: "b", priority: "high", submitAt: at(1000), duration: 100 }),
      ],
    };
    const preemptAt = (out: ReturnType<typeof simulateWorkload>) =>
      out.events.find((e) => e.type === "preempt" && e.job === "a")?.t;
    expect(preemptAt(simulateWorkload(w))).toBe(at(1030));
    expect(preemptAt(simulateWorkload({ ...w, rules: { graceSeconds: 300 } }))).toBe(at(1300));
  });

  it.each([
    [{ gridMinutes: 7 }, "rules.gridMinutes: must be a whole number of minutes that divides a day (1-1440)"],
    [{ maxDays: 0 }, "rules.maxDays: must be at least the minimum length and at most 3650"],
    [{ freezeMinutes: -1 }, "rules.freezeMinutes: must be between 0 and 525600 (a year)"],
    [{ gridMinute: 60 }, 'rules: Unrecognized key: "gridMinute"'],
  ])("refuses the rules %j with one line naming the setting", (rules, message) => {
    expect(() => simulateWorkload({ cluster: cluster(1), jobs: [owner], rules })).toThrow(
      new WorkloadError(message),
    );
  });
});
