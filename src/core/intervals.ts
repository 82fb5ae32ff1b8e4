// Interval algebra on half-open ranges [start, end). Small pure functions: every window in Berth
// (reservations, quota weeks, free windows) is half-open, so back-to-back windows never overlap.
import type { Millis } from "./types.ts";

export interface Interval {
  readonly start: Millis;
  readonly end: Millis;
}

/** Whether two ranges share a moment; an empty range shares none. */
export function overlaps(a: Interval, b: Interval): boolean {
  return a.start < b.end && b.start < a.end && a.start < a.end && b.start < b.end;
}

/** The common part of two ranges, or null when they do not overlap. */
export function intersect(a: Interval, b: Interval): Interval | null {
  const start = Math.max(a.start, b.start);
  const end = Math.min(a.end, b.end);
  return start < end ? { start, end } : null;
}

/** Length of the common part (0 when disjoint). */
export function overlapLength(a: Interval, b: Interval): number {
  const start = Math.max(a.start, b.start);
  const end = Math.min(a.end, b.end);
  return end > start ? end - start : 0;
}

/** Sorted, non-overlapping union; touching ranges are joined. */
export function merge(ranges: readonly Interval[]): Interval[] {
  const sorted = ranges.filter((r) => r.start < r.end).sort((a, b) => a.start - b.start || a.end - b.end);
  const out: { start: Millis; end: Millis }[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ start: r.start, end: r.end });
  }
  return out;
}

/** Parts of `from` not covered by any range of `cut`, sorted. */
export function subtract(from: Interval, cut: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let cursor = from.start;
  for (const c of merge(cut)) {
    if (c.end <= cursor) continue;
    if (c.start >= from.end) break;
    if (c.start > cursor) out.push({ start: cursor, end: c.start });
    cursor = Math.max(cursor, c.end);
  }
  if (cursor < from.end) out.push({ start: cursor, end: from.end });
  return out;
}
