// Team quotas (docs/rules.md §1): GPU-hours per priority class per UTC ISO week, a booking across weeks
// counting in each week for its part there, and a cap on the GPUs a team holds at any one time.
import { holdsSlots } from "./capacity.ts";
import { gpuHours, HOUR_MS } from "./gpu-hours.ts";
import { type Interval, overlapLength } from "./intervals.ts";
import { isoWeekStart, splitByIsoWeek, WEEK_MS } from "./iso-week.ts";
import { type Millis, PRIORITIES, type Priority, type Reservation } from "./types.ts";

export interface TeamQuota {
  /** GPU-hours per ISO week by class; an absent class is unlimited. */
  readonly gpuHoursPerWeek: Partial<Record<Priority, number>>;
  /** Most GPUs the team may hold at one time; absent = unlimited. */
  readonly maxGpus?: number;
}

/**
 * The service default under every team's own limits: each class unlimited except `critical`, which
 * has 0 GPU-hours a week until an admin grants some.
 */
export const DEFAULT_QUOTA: Readonly<Partial<Record<Priority, number>>> = Object.freeze({ critical: 0 });

/**
 * What a team's stored quota means: the GPU-hours per week of the classes it names over the
 * service default (a class it does not name keeps the default), and its GPU cap (null: none).
 */
export function quotaOf(perPriority: Readonly<Record<string, number>>, maxGpus: number | null): TeamQuota {
  return {
    gpuHoursPerWeek: { ...DEFAULT_QUOTA, ...(perPriority as Partial<Record<Priority, number>>) },
    ...(maxGpus !== null ? { maxGpus } : {}),
  };
}

export interface QuotaRequest {
  readonly team: string;
  readonly priority: Priority;
  readonly gpus: number;
  readonly window: Interval;
}

export type QuotaVerdict =
  | { ok: true; quotaLeft: Partial<Record<Priority, number | null>> }
  | {
      ok: false;
      limit: "gpu-hours-per-week" | "concurrent-gpus";
      detail: string;
      priority: Priority;
      limitGpuHours: number;
      usedGpuHours: number;
      requestedGpuHours: number;
      /** Start of the ISO week that overflows (gpu-hours) or the peak instant (concurrent GPUs). */
      at: Millis;
      limitGpus?: number;
      usedGpus?: number;
      requestedGpus?: number;
    };

function gpusOf(r: Reservation): number {
  return r.nodes * r.gpusPerNode;
}

/** GPU-hours the team's holding reservations of `priority` use inside `week`. */
export function usedGpuHoursInWeek(
  reservations: readonly Reservation[],
  team: string,
  priority: Priority,
  week: Interval,
  ignore?: ReadonlySet<string>,
): number {
  let ms = 0;
  for (const r of reservations) {
    if (r.team !== team || r.priority !== priority || !holdsSlots(r) || ignore?.has(r.id)) continue;
    ms += gpusOf(r) * overlapLength(r, week);
  }
  return ms / HOUR_MS;
}

/** Peak GPUs the team holds at any instant of `window` (reservations only change at their bounds). */
export function peakTeamGpus(
  reservations: readonly Reservation[],
  team: string,
  window: Interval,
  ignore?: ReadonlySet<string>,
): { gpus: number; at: Millis } {
  const mine = reservations.filter(
    (r) => r.team === team && holdsSlots(r) && !ignore?.has(r.id) && overlapLength(r, window) > 0,
  );
  let best = { gpus: 0, at: window.start };
  const instants = new Set<Millis>([window.start]);
  for (const r of mine) if (r.start > window.start && r.start < window.end) instants.add(r.start);
  for (const t of [...instants].sort((a, b) => a - b)) {
    let g = 0;
    for (const r of mine) if (r.start <= t && t < r.end) g += gpusOf(r);
    if (g > best.gpus) best = { gpus: g, at: t };
  }
  return best;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** Whether `request` fits the team's quota (null quota = unlimited), and what is left per class. */
export function checkQuota(
  quota: TeamQuota | null,
  reservations: readonly Reservation[],
  request: QuotaRequest,
  ignore?: ReadonlySet<string>,
): QuotaVerdict {
  if (!quota) return { ok: true, quotaLeft: quotaLeft(null, reservations, request, ignore) };
  // One pass over all reservations; the weekly sums then scan only the team's own.
  reservations = reservations.filter((r) => r.team === request.team && holdsSlots(r));
  const weeks = splitByIsoWeek(request.window);
  const requestedTotal = gpuHours(request.gpus, request.window);
  // The weekly GPU-hours of the class, then the concurrent-GPU cap.
  {
    const limit = quota.gpuHoursPerWeek[request.priority];
    if (limit !== undefined) {
      for (const w of weeks) {
        const week = { start: w.weekStart, end: w.weekStart + WEEK_MS };
        const used = usedGpuHoursInWeek(reservations, request.team, request.priority, week, ignore);
        const requested = gpuHours(request.gpus, w.part);
        if (used + requested > limit + 1e-9) {
          return {
            ok: false,
            limit: "gpu-hours-per-week",
            detail: `team ${request.team} has ${round(limit - used)} of ${limit} ${request.priority} GPU-hours left in the week of ${new Date(w.weekStart).toISOString()}; this booking needs ${round(requested)} there`,
            priority: request.priority,
            limitGpuHours: limit,
            usedGpuHours: round(used),
            requestedGpuHours: round(requested),
            at: w.weekStart,
          };
        }
      }
    }
    if (quota.maxGpus !== undefined) {
      const peak = peakTeamGpus(reservations, request.team, request.window, ignore);
      if (peak.gpus + request.gpus > quota.maxGpus) {
        const hours = (request.window.end - request.window.start) / HOUR_MS;
        return {
          ok: false,
          limit: "concurrent-gpus",
          detail: `team ${request.team} may hold at most ${quota.maxGpus} GPUs at once; it holds ${peak.gpus} at ${new Date(peak.at).toISOString()} and this booking adds ${request.gpus}`,
          priority: request.priority,
          // Expressed over the requested window so the figures stay GPU-hours like the weekly limit.
          limitGpuHours: round(quota.maxGpus * hours),
          usedGpuHours: round(peak.gpus * hours),
          requestedGpuHours: round(requestedTotal),
          at: peak.at,
          limitGpus: quota.maxGpus,
          usedGpus: peak.gpus,
          requestedGpus: request.gpus,
        };
      }
    }
  }
  return { ok: true, quotaLeft: quotaLeft(quota, reservations, request, ignore) };
}

/**
 * GPU-hours left per class after the request, in the tightest week the request touches; null for an
 * unlimited class.
 */
export function quotaLeft(
  quota: TeamQuota | null,
  reservations: readonly Reservation[],
  request: QuotaRequest,
  ignore?: ReadonlySet<string>,
): Partial<Record<Priority, number | null>> {
  const out: Partial<Record<Priority, number | null>> = {};
  const weeks = splitByIsoWeek(request.window);
  // Filtered only for a class with a limit: a refused dry run into a pool booked full passes the
  // pool's whole future here.
  let mine: Reservation[] | undefined;
  for (const p of PRIORITIES) {
    const limit = quota?.gpuHoursPerWeek[p];
    if (limit === undefined) {
      out[p] = null;
      continue;
    }
    mine ??= reservations.filter((r) => r.team === request.team && holdsSlots(r));
    let left = Number.POSITIVE_INFINITY;
    for (const w of weeks) {
      const week = { start: w.weekStart, end: w.weekStart + WEEK_MS };
      let used = usedGpuHoursInWeek(mine, request.team, p, week, ignore);
      if (p === request.priority) used += gpuHours(request.gpus, w.part);
      left = Math.min(left, limit - used);
    }
    out[p] = round(left);
  }
  return out;
}

/** Whether `quota` can refuse a booking of `priority`: a weekly limit for the class, or a GPU cap. */
export function quotaMayRefuse(quota: TeamQuota, priority: Priority): boolean {
  return quota.gpuHoursPerWeek[priority] !== undefined || quota.maxGpus !== undefined;
}

/**
 * The team's bookings its quota counts for bookings over `window`, as bounds a repository reads
 * by: in the ISO weeks from the one holding `min(now, start)` to the end of the one holding the
 * window's end, the held and finished bookings of the classes with a weekly limit (`classes`;
 * finished ones still count, docs/rules.md §1), and, when the team has a GPU cap, its holds
 * overlapping the window (`capWindow`). Null when the quota counts nothing (no limit at all).
 */
export interface QuotaReads {
  readonly team: string;
  readonly weeksFrom: Millis;
  readonly weeksTo: Millis;
  readonly classes: readonly Priority[];
  readonly capWindow: Interval | null;
}

export function quotaReads(team: string, quota: TeamQuota, window: Interval, now: Millis): QuotaReads | null {
  const classes = PRIORITIES.filter((p) => quota.gpuHoursPerWeek[p] !== undefined);
  const capWindow = quota.maxGpus !== undefined ? { start: window.start, end: window.end } : null;
  if (classes.length === 0 && !capWindow) return null;
  return {
    team,
    weeksFrom: isoWeekStart(Math.min(now, window.start)),
    weeksTo: isoWeekStart(window.end) + WEEK_MS,
    classes,
    capWindow,
  };
}

/** Several reads of one team (one quota) as one that covers them all: a batch reads each team once. */
export function mergeQuotaReads(reads: readonly QuotaReads[]): QuotaReads[] {
  const byTeam = new Map<string, QuotaReads>();
  for (const r of reads) {
    const seen = byTeam.get(r.team);
    byTeam.set(
      r.team,
      seen
        ? {
            ...r,
            weeksFrom: Math.min(seen.weeksFrom, r.weeksFrom),
            weeksTo: Math.max(seen.weeksTo, r.weeksTo),
            capWindow: r.capWindow && seen.capWindow && hull(r.capWindow, seen.capWindow),
          }
        : r,
    );
  }
  return [...byTeam.values()];
}

function hull(a: Interval, b: Interval): Interval {
  return { start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}

/**
 * A reservation as a quota counts it: a finished booking still counts in its week, so it is shown
 * as held. Its window lies before the current grid step, so it cannot collide with any placement.
 */
export function asCountedByQuota(r: Reservation): Reservation {
  return r.state === "completed" ? { ...r, state: "active" } : r;
}
