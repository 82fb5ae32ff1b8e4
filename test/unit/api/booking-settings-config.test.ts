// The booking settings an operator sets in the environment, parsed by loadConfig: today's rules by
// default, each variable honoured, an inconsistent one refused in one line naming it.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../../src/config.ts";
import { DEFAULT_BOOKING_RULES } from "../../../src/core/booking-rules.ts";

const MIN = 60_000;
const DAY = 86_400_000;

describe("booking settings from the environment", () => {
  it("keeps today's rules when nothing is set", () => {
    expect(loadConfig({}).bookingRules).toEqual({
      gridMs: 15 * MIN,
      minLengthMs: 15 * MIN,
      maxLengthMs: 14 * DAY,
      horizonMs: 90 * DAY,
      freezeMs: 120 * MIN,
      defaultGraceMs: 30_000,
    });
    expect(loadConfig({}).bookingRules).toEqual(DEFAULT_BOOKING_RULES);
  });

  it("reads every variable", () => {
    const rules = loadConfig({
      BERTH_BOOKING_GRID_MINUTES: "30",
      BERTH_BOOKING_MIN_MINUTES: "60",
      BERTH_BOOKING_MAX_DAYS: "7",
      BERTH_BOOKING_HORIZON_DAYS: "30",
      BERTH_FREEZE_MINUTES: "0",
      BERTH_DEFAULT_GRACE_SECONDS: "120",
    }).bookingRules;
    expect(rules).toEqual({
      gridMs: 30 * MIN,
      minLengthMs: 60 * MIN,
      maxLengthMs: 7 * DAY,
      horizonMs: 30 * DAY,
      freezeMs: 0,
      defaultGraceMs: 120_000,
    });
  });

  it.each([
    ["BERTH_BOOKING_GRID_MINUTES", "7", "must be a whole number of minutes that divides a day (1-1440)"],
    ["BERTH_BOOKING_GRID_MINUTES", "0", "must be a whole number of minutes that divides a day (1-1440)"],
    ["BERTH_BOOKING_GRID_MINUTES", "quarter", "Invalid input: expected number, received NaN"],
    ["BERTH_BOOKING_MIN_MINUTES", "0", "must be a whole number of minutes, at least 1"],
    ["BERTH_BOOKING_MAX_DAYS", "-1", "Too small: expected number to be >0"],
    ["BERTH_BOOKING_MAX_DAYS", "0.001", "must be at least the minimum length and at most 3650"],
    ["BERTH_BOOKING_HORIZON_DAYS", "-5", "Too small: expected number to be >=0"],
    ["BERTH_FREEZE_MINUTES", "-1", "Too small: expected number to be >=0"],
    ["BERTH_DEFAULT_GRACE_SECONDS", "1.5", "Invalid input: expected int, received number"],
  ])("refuses %s=%s in one line naming it", (name, value, message) => {
    const attempt = () => loadConfig({ [name]: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(`invalid configuration: ${name}: ${message}`);
  });
});
