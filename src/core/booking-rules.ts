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
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const DEFAULT_BOOKING_RULES: BookingRules = Object.freeze({
  gridMs: 15 * MINUTE,
  minLengthMs: 15 * MINUTE,
  maxLengthMs: 14 * DAY,
  horizonMs: 90 * DAY,
  freezeMs: 2 * HOUR,
});

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
