// The booking rules of docs/rules.md §1, as data so the service and `berth simulate` can configure them.
import type { Millis } from "./types.ts";

export interface BookingRules {
  /** Starts and ends must lie on this grid (refused, never rounded). */
  readonly gridMs: number;
  readonly minLengthMs: number;
  readonly maxLengthMs: number;
  /** `start` at most this far ahead of now. */
  readonly horizonMs: number;
  /** No displacement of a reservation this close to its start. */
  readonly freezeMs: number;
  /** A job's grace period (signal to stop) when it names none. */
  readonly defaultGraceMs: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The rules as an operator writes them (minutes, days, seconds): the environment and a workload's `rules`. */
export interface BookingSettings {
  readonly gridMinutes: number;
  readonly minMinutes: number;
  readonly maxDays: number;
  readonly horizonDays: number;
  readonly freezeMinutes: number;
  readonly graceSeconds: number;
}

export const DEFAULT_BOOKING_SETTINGS: BookingSettings = Object.freeze({
  gridMinutes: 15,
  minMinutes: 15,
  maxDays: 14,
  horizonDays: 90,
  freezeMinutes: 120,
  graceSeconds: 30,
});

/** What is wrong with `s`, one message per setting (empty when the rules are consistent). */
export function bookingSettingsProblems(
  s: BookingSettings,
): { setting: keyof BookingSettings; message: string }[] {
  const out: { setting: keyof BookingSettings; message: string }[] = [];
  // The grid is counted from midnight UTC, so a step that does not divide a day would put
  // "on the grid" at different clock times on different days.
  if (!Number.isInteger(s.gridMinutes) || s.gridMinutes < 1 || 1440 % s.gridMinutes !== 0)
    out.push({
      setting: "gridMinutes",
      message: "must be a whole number of minutes that divides a day (1-1440)",
    });
  // A minimum below one step, or between steps, is harmless: on-grid lengths are whole steps.
  if (!Number.isInteger(s.minMinutes) || s.minMinutes < 1)
    out.push({ setting: "minMinutes", message: "must be a whole number of minutes, at least 1" });
  else if (!(s.maxDays * 1440 >= s.minMinutes) || s.maxDays > 3650)
    out.push({ setting: "maxDays", message: "must be at least the minimum length and at most 3650" });
  if (!(s.horizonDays >= 0) || s.horizonDays > 3650)
    out.push({ setting: "horizonDays", message: "must be between 0 and 3650" });
  if (!(s.freezeMinutes >= 0) || s.freezeMinutes > 525_600)
    out.push({ setting: "freezeMinutes", message: "must be between 0 and 525600 (a year)" });
  if (!Number.isInteger(s.graceSeconds) || s.graceSeconds < 0 || s.graceSeconds > 86_400)
    out.push({ setting: "graceSeconds", message: "must be a whole number of seconds between 0 and 86400" });
  return out;
}

/** The rules `s` describes; check `bookingSettingsProblems` first. */
export function bookingRules(s: BookingSettings): BookingRules {
  return Object.freeze({
    gridMs: s.gridMinutes * MINUTE,
    minLengthMs: s.minMinutes * MINUTE,
    maxLengthMs: Math.round(s.maxDays * DAY),
    horizonMs: Math.round(s.horizonDays * DAY),
    freezeMs: Math.round(s.freezeMinutes * MINUTE),
    defaultGraceMs: s.graceSeconds * SECOND,
  });
}

export const DEFAULT_BOOKING_RULES: BookingRules = bookingRules(DEFAULT_BOOKING_SETTINGS);

/** Start of the grid step holding `t`. */
export function gridFloor(t: Millis, gridMs: number): Millis {
  return Math.floor(t / gridMs) * gridMs;
}

export function gridCeil(t: Millis, gridMs: number): Millis {
  return Math.ceil(t / gridMs) * gridMs;
}

export function onGrid(t: Millis, gridMs: number): boolean {
  return t % gridMs === 0;
}
