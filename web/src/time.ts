// Times: the API speaks UTC ISO 8601; people read and type their own local time. Everything here
// goes through the JavaScript Date's local-time fields, which follow the viewer's time zone rules
// (DST included), so no offset is ever computed by hand.

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** The booking grid (docs/rules.md §1): starts and ends lie on multiples of 15 minutes. */
export const GRID = 15 * MINUTE;

const pad = (n: number) => String(n).padStart(2, "0");

/** `YYYY-MM-DDTHH:mm` in the viewer's zone: what the Start and End fields show and accept. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export type Parsed = { ok: true; ms: number } | { ok: false; message: string };

/**
 * Reads a typed local time. A wall-clock time the zone skips (the hour lost when clocks go forward)
 * is refused rather than silently moved; an hour that happens twice resolves to its first instance,
 * as the Date constructor does.
 */
export function parseLocalInput(text: string): Parsed {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})$/.exec(text.trim());
  if (!m) return { ok: false, message: "type it as YYYY-MM-DDTHH:mm, e.g. 2026-12-04T20:00" };
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  const date = new Date(y, mo - 1, d, h, mi);
  if (
    date.getFullYear() !== y ||
    date.getMonth() !== mo - 1 ||
    date.getDate() !== d ||
    date.getHours() !== h ||
    date.getMinutes() !== mi
  ) {
    return { ok: false, message: "that time does not exist here (a date out of range or a clock change)" };
  }
  return { ok: true, ms: date.getTime() };
}

export const isoUtc = (ms: number) => new Date(ms).toISOString();

export function floorTo(ms: number, step: number): number {
  return Math.floor(ms / step) * step;
}

export function ceilTo(ms: number, step: number): number {
  return Math.ceil(ms / step) * step;
}

/** Local midnight of the day holding `ms`. */
export function localDayStart(ms: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/** `ms` moved by whole local days (a DST day is 23 or 25 hours long). */
export function addLocalDays(ms: number, days: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + days, d.getHours(), d.getMinutes()).getTime();
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short" });

const weekdayFmt = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric" });

/** `Fri 4`: a day's short name where space is tight. */
export const formatWeekday = (ms: number) => weekdayFmt.format(ms);
/** `HH:mm` local. */
export const formatClock = (ms: number) => timeFmt.format(ms);
/** `Fri 4 Dec` (the locale's order). */
export const formatDay = (ms: number) => dayFmt.format(ms);

/** `YYYY-MM-DD HH:mm` local: sortable, unambiguous, and what the suggestion buttons name. */
export function formatStamp(ms: number): string {
  return toLocalInput(ms).replace("T", " ");
}

/** A window in words, the end's date left out when it is the same local day. */
export function formatWindow(start: number, end: number): string {
  const sameDay = localDayStart(start) === localDayStart(end);
  return `${formatStamp(start)} – ${sameDay ? formatClock(end) : formatStamp(end)}`;
}

export function formatDuration(ms: number): string {
  const h = Math.floor(ms / HOUR);
  const m = Math.round((ms % HOUR) / MINUTE);
  if (h >= 48 && m === 0 && h % 24 === 0) return `${h / 24} days`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

let zoneName: string | undefined;
/** The viewer's zone name, read once (resolving a formatter's options costs ~0.2 ms each time). */
export function timeZoneName(): string {
  zoneName ??= Intl.DateTimeFormat().resolvedOptions().timeZone || "local time";
  return zoneName;
}
