// UTC ISO weeks (Monday 00:00 UTC to the next Monday): quota periods. The epoch (1970-01-01) was a
// Thursday, so Mondays sit 3 days before multiples of 7 days counted from the epoch.
import type { Interval } from "./intervals.ts";
import type { Millis } from "./types.ts";

export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;
const MONDAY_OFFSET = 3 * DAY_MS;

/** Start (Monday 00:00 UTC) of the ISO week holding `t`. */
export function isoWeekStart(t: Millis): Millis {
  return Math.floor((t + MONDAY_OFFSET) / WEEK_MS) * WEEK_MS - MONDAY_OFFSET;
}

/** The ISO weeks a window touches, each cut to the window: a booking across weeks counts in each. */
export function splitByIsoWeek(window: Interval): { weekStart: Millis; part: Interval }[] {
  const out: { weekStart: Millis; part: Interval }[] = [];
  let cursor = window.start;
  while (cursor < window.end) {
    const weekStart = isoWeekStart(cursor);
    const end = Math.min(window.end, weekStart + WEEK_MS);
    out.push({ weekStart, part: { start: cursor, end } });
    cursor = end;
  }
  return out;
}
