// The timeline's first occupancy requests, sent as soon as sign-in knows the pools rather than after
// the page has rendered: they are what the first paint waits for (bench/web/first-paint.ts), so they
// overlap the rest of sign-in and the first render instead of following them.
import { get } from "../api.ts";
import { DAY, isoUtc, localDayStart } from "../time.ts";
import type { Occupancy, Pool } from "../types.ts";

/** The zoom the timeline opens on (a week and a day: at least the next 7 days in view). */
export const OPENING_SPAN = 8 * DAY;
/** The server answers at most 92 days of occupancy per request. */
export const MAX_LOAD = 90 * DAY;

/** What the timeline loads for a view: a view's width each side of it. */
export function loadRange(viewStart: number, span: number): { from: number; to: number } {
  const from = viewStart - span;
  return { from, to: Math.min(viewStart + 2 * span, from + MAX_LOAD) };
}

/** An early answer older than this is not used (the timeline was opened later): it asks again. */
const FRESH_MS = 10_000;
const early = new Map<string, { at: number; req: Promise<Occupancy> }>();
const key = (pool: string, from: number, to: number) => `${pool} ${from} ${to}`;

function fetchOccupancy(pool: string, from: number, to: number): Promise<Occupancy> {
  return get<Occupancy>(`/pools/${encodeURIComponent(pool)}/occupancy`, {
    from: isoUtc(from),
    to: isoUtc(to),
  });
}

/** Starts the opening view's requests (errors are left to the timeline, which asks again). */
export function prefetchOpeningView(pools: readonly Pool[]): void {
  const { from, to } = loadRange(localDayStart(Date.now()), OPENING_SPAN);
  for (const p of pools) {
    const req = fetchOccupancy(p.name, from, to);
    req.catch(() => early.delete(key(p.name, from, to)));
    early.set(key(p.name, from, to), { at: Date.now(), req });
  }
}

/** A pool's occupancy: the request already sent for exactly this range, else a new one. */
export function occupancyOf(pool: string, from: number, to: number): Promise<Occupancy> {
  const k = key(pool, from, to);
  const sent = early.get(k);
  early.delete(k);
  return sent && Date.now() - sent.at < FRESH_MS ? sent.req : fetchOccupancy(pool, from, to);
}
