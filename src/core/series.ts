// Recurring series in a time zone: "every day at 20:00 Europe/Berlin" stays 20:00 on Berlin's
// clocks across daylight-saving changes, so its UTC start moves by the change. Local dates step
// by whole days or weeks; each occurrence keeps the first one's length in elapsed time. Pure:
// `Intl` supplies the zone rules (the tz database Node ships), nothing reads a clock.
import type { Interval } from "./intervals.ts";
import type { Millis } from "./types.ts";

const DAY_MS = 86_400_000;

export interface SeriesRequest {
  readonly start: Millis;
  readonly end: Millis;
  readonly every: "day" | "week";
  /** Starts at or after this are not part of the series. */
  readonly until: Millis;
  /** An IANA name (`Europe/Berlin`); `UTC` keeps fixed 24-hour steps. */
  readonly timeZone: string;
}

export type SeriesResult =
  | { readonly ok: true; readonly occurrences: Interval[] }
  | { readonly ok: false; readonly field: string; readonly message: string };

const formats = new Map<string, Intl.DateTimeFormat>();

function formatOf(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formats.set(timeZone, f);
  }
  return f;
}

/**
 * The canonical name of an IANA time zone, or null for anything else. Fixed offsets such as
 * `+01:00`, which `Intl` also takes, are refused: a series needs a zone's rules, not a moment's offset.
 */
export function canonicalTimeZone(name: string): string | null {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name) || name.length > 64) return null;
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** The wall-clock reading of `t` in `timeZone`, written as if it were a UTC time (ms). */
export function wallClock(t: Millis, timeZone: string): Millis {
  const p: Record<string, number> = {};
  for (const part of formatOf(timeZone).formatToParts(t)) {
    if (part.type !== "literal") p[part.type] = Number(part.value);
  }
  const ms = ((t % 1000) + 1000) % 1000;
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!, ms);
}

/**
 * The instant whose wall clock in `timeZone` reads `local`. A reading that occurs twice (clocks set
 * back) is its first instant; one that never occurs (clocks set forward) moves forward by the gap,
 * as a clock on the wall does (Temporal's "compatible" choice).
 */
export function instantOf(local: Millis, timeZone: string): Millis {
  const before = local - wallClock(local - DAY_MS, timeZone) + (local - DAY_MS);
  const after = local - wallClock(local + DAY_MS, timeZone) + (local + DAY_MS);
  // `before`/`after`: the instant reading `local` under the offset in force a day earlier/later.
  const fits = [before, after].filter((t) => wallClock(t, timeZone) === local).sort((a, b) => a - b);
  return fits[0] ?? before;
}

/** Most occurrences one series may have. */
export const MAX_SERIES_OCCURRENCES = 100;

/** Every occurrence (each as long as the first), or why the series is refused (the field and a sentence). */
export function seriesStarts(r: SeriesRequest): SeriesResult {
  const zone = canonicalTimeZone(r.timeZone);
  if (zone === null)
    return {
      ok: false,
      field: "repeat.timeZone",
      message: `unknown time zone "${r.timeZone}" (an IANA name such as Europe/Berlin)`,
    };
  const stepDays = r.every === "day" ? 1 : 7;
  const local = wallClock(r.start, zone);
  const starts: Millis[] = [];
  for (let k = 0; ; k++) {
    const t = k === 0 ? r.start : instantOf(local + k * stepDays * DAY_MS, zone);
    if (t >= r.until) break;
    if (starts.length === MAX_SERIES_OCCURRENCES)
      return {
        ok: false,
        field: "repeat",
        message: `at most ${MAX_SERIES_OCCURRENCES} occurrences per request`,
      };
    starts.push(t);
  }
  if (starts.length === 0) return { ok: false, field: "repeat.until", message: "until must be after start" };
  const length = r.end - r.start;
  for (let i = 1; i < starts.length; i++) {
    if (starts[i]! - starts[i - 1]! < length)
      return {
        ok: false,
        field: "repeat",
        message: `occurrences would overlap: ${new Date(starts[i]!).toISOString()} starts before the one before it ends`,
      };
  }
  return { ok: true, occurrences: starts.map((start) => ({ start, end: start + length })) };
}
