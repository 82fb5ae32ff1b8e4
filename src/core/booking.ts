// The booking decision of docs/rules.md §1: validate, check the team's quota, place best-fit; when there
// is no room, displace strictly-lower-priority future reservations outside the freeze, else refuse
// with the nearest feasible alternatives. Pure: a dry run and a real booking get the same answer;
// holding the slots (and guarding them with the database's exclusion constraint) is the caller's job.
import { displaceableBy, findDisplacement } from "./booking-displacement.ts";
import type { BookingRules } from "./booking-rules.ts";
import { type FieldError, type ShapeRequest, validateBookingRequest } from "./booking-validation.ts";
import { CapacityIndex, holdsSlots } from "./capacity.ts";
import { priorityDisplacementReason } from "./displacement-wording.ts";
import { findFreeWindows } from "./free-windows.ts";
import type { Interval } from "./intervals.ts";
import { compareId } from "./natural-order.ts";
import { freeWholeNodes, maxFreeOnOneNode, placeShape, type Shape } from "./placement.ts";
import { checkQuota, quotaLeft as computeQuotaLeft, type TeamQuota } from "./quota.ts";
import type { Inventory, Millis, Placement, Pool, Priority, Reservation } from "./types.ts";

/** A booking asked for: pool, shape, window [start, end) and class, by `team`; `id` is the one it will hold. */
export interface BookingRequest extends ShapeRequest {
  readonly id: string;
  readonly team: string;
}

/** A feasible alternative to a refused request (free now, without displacing anyone). */
export interface Suggestion {
  readonly pool: string;
  readonly nodes: number;
  readonly gpusPerNode: number;
  readonly start: Millis;
  readonly end: Millis;
  /** Which of the three alternatives this is. */
  readonly kind: "later" | "smaller" | "other-pool";
}

export interface Holder {
  readonly reservation: string;
  readonly team: string;
  readonly priority: Priority;
}

export type BookingDecision =
  | {
      ok: true;
      placement: Placement;
      /** Reservations this booking takes slots from; the caller marks them displaced. */
      displaced: { id: string; reason: string }[];
      /** GPU-hours left per class in the tightest week after this booking; null = unlimited. */
      quotaLeft: Partial<Record<Priority, number | null>>;
    }
  | { ok: false; code: "invalid"; errors: FieldError[] }
  | { ok: false; code: "slot-taken"; detail: string; suggestions: Suggestion[]; holders: Holder[] }
  | {
      ok: false;
      code: "quota-exceeded";
      detail: string;
      priority: Priority;
      limitGpuHours: number;
      usedGpuHours: number;
      requestedGpuHours: number;
      /** Which limit: the weekly GPU-hours of the class, or the team's concurrent-GPU cap. */
      limit: "gpu-hours-per-week" | "concurrent-gpus";
      limitGpus?: number;
      usedGpus?: number;
      requestedGpus?: number;
    }
  | { ok: false; code: "displacement-frozen"; detail: string; holders: Holder[] };

export interface BookingInput {
  readonly inventory: Inventory;
  readonly reservations: readonly Reservation[];
  readonly request: BookingRequest;
  readonly now: Millis;
  readonly rules: BookingRules;
  /** null = unlimited. */
  readonly quota: TeamQuota | null;
  /** Admins book any priority for any team, unbound by quotas. */
  readonly bypassQuota?: boolean;
  /** A prebuilt index of the same inventory and reservations (saves rebuilding it per call). */
  readonly index?: CapacityIndex;
  /**
   * A prebuilt index of the request's pool alone, for the later-window suggestion (asked for only
   * on a refusal; undefined: build one): a caller that decides many requests on the same holds of
   * a pool builds it once. Its holds must be those of `reservations` in the pool that hold slots
   * and end after the request's start, plus any that end at or before that start (no later window
   * can meet them: the search starts after it). Used only for a request that does not start
   * before `now` (else the search starts at now's grid step).
   */
  readonly laterIndex?: () => CapacityIndex | undefined;
}

/** Holders listed in a refusal: enough to explain it without flooding a response. */
const MAX_HOLDERS = 50;

const holderOf = (r: Reservation): Holder => ({ reservation: r.id, team: r.team, priority: r.priority });

export function decideBooking(input: BookingInput): BookingDecision {
  const { inventory, reservations, request, now, rules } = input;
  const errors = validateBookingRequest(inventory, request, now, rules);
  if (errors.length > 0) return { ok: false, code: "invalid", errors };

  const window: Interval = { start: request.start, end: request.end };
  const shape: Shape = { nodes: request.nodes, gpusPerNode: request.gpusPerNode };
  // Re-deciding an existing booking (e.g. moving it) must not collide with itself.
  const self = new Set([request.id]);
  const quotaRequest = {
    team: request.team,
    priority: request.priority,
    gpus: shape.nodes * shape.gpusPerNode,
    window,
  };
  const verdict = checkQuota(input.bypassQuota ? null : input.quota, reservations, quotaRequest, self);
  if (!verdict.ok) {
    const { ok: _ok, at: _at, ...figures } = verdict;
    return { ok: false, code: "quota-exceeded", ...figures };
  }
  // Admins are not bound, but still see the figures (a class may go below zero).
  const quotaLeft = input.bypassQuota
    ? computeQuotaLeft(input.quota, reservations, { ...quotaRequest }, self)
    : verdict.quotaLeft;

  // Placement and displacement only look at the request's pool and window: index just those
  // reservations (a 10k-reservation cluster has a few dozen there). Suggestions, on refusal only,
  // search other windows and pools and get the full index.
  const index =
    input.index ??
    new CapacityIndex(
      inventory,
      reservations.filter((r) => r.pool === request.pool && r.start < window.end && window.start < r.end),
      request.pool,
    );
  const placement = placeShape(index, request.pool, shape, window, self);
  if (placement) return { ok: true, placement, displaced: [], quotaLeft };

  const victims = findDisplacement(index, request.pool, shape, window, (r) =>
    r.id === request.id ? false : displaceableBy(request.priority, now, rules.freezeMs)(r),
  );
  if (victims) {
    const skip = new Set([request.id, ...victims.map((v) => v.id)]);
    const moved = placeShape(index, request.pool, shape, window, skip);
    if (moved) {
      return {
        ok: true,
        placement: moved,
        displaced: victims.map((v) => ({
          id: v.id,
          reason: priorityDisplacementReason(request.id, request.priority, v.priority),
        })),
        quotaLeft,
      };
    }
  }

  const frozen = findDisplacement(index, request.pool, shape, window, (r) =>
    r.id === request.id ? false : displaceableBy(request.priority, now, rules.freezeMs, true)(r),
  );
  if (frozen && frozen.length > 0) {
    return {
      ok: false,
      code: "displacement-frozen",
      detail: `the slots are held by lower-priority bookings that start within the ${rules.freezeMs / 3_600_000} h freeze`,
      holders: frozen.map(holderOf),
    };
  }

  const holders = new Map<string, Reservation>();
  for (const e of index.poolNodes.get(request.pool) ?? []) {
    for (const h of index.holdsIn(e, window)) holders.set(h.reservation.id, h.reservation);
  }
  return {
    ok: false,
    code: "slot-taken",
    detail: `no ${shape.nodes} × ${shape.gpusPerNode} GPUs free in pool ${request.pool} for the whole window`,
    suggestions: suggestAlternatives(
      inventory,
      reservations,
      {
        window: index,
        full: input.index ?? null,
        later: !input.index && request.start >= now ? input.laterIndex?.() : undefined,
      },
      request,
      now,
      rules,
    ),
    holders: [...holders.values()]
      .sort((a, b) => compareId(a.id, b.id))
      .slice(0, MAX_HOLDERS)
      .map(holderOf),
  };
}

/** "7.5" → 7005: compute capabilities compare by major, then minor. */
function ccValue(cc: string): number {
  const [major, minor] = cc.split(".");
  return Number(major) * 1000 + Number(minor ?? 0);
}

/** The same total GPUs expressed in `pool`'s node size, or null when it cannot be. */
function shapeInPool(pool: Pool, shape: Shape): Shape | null {
  const total = shape.nodes * shape.gpusPerNode;
  if (shape.nodes === 1 && shape.gpusPerNode <= pool.gpusPerNode)
    return { nodes: 1, gpusPerNode: shape.gpusPerNode };
  if (total <= pool.gpusPerNode) return { nodes: 1, gpusPerNode: total };
  if (total % pool.gpusPerNode === 0)
    return { nodes: total / pool.gpusPerNode, gpusPerNode: pool.gpusPerNode };
  return null;
}

/**
 * The nearest feasible alternatives (docs/rules.md §1): the earliest later window of the same shape and
 * length; the same window with a smaller shape; other pools of the same or higher compute
 * capability for the same window.
 */
function suggestAlternatives(
  inventory: Inventory,
  reservations: readonly Reservation[],
  indexes: {
    readonly window: CapacityIndex;
    readonly full: CapacityIndex | null;
    /** The caller's index of the pool for later windows (BookingInput.laterIndex), if any. */
    readonly later: CapacityIndex | undefined;
  },
  request: BookingRequest,
  now: Millis,
  rules: BookingRules,
): Suggestion[] {
  const out: Suggestion[] = [];
  const window: Interval = { start: request.start, end: request.end };
  const duration = request.end - request.start;
  // Each search indexes only what it can touch: later windows of this pool, then this window in
  // every pool (unless the caller passed a full index).
  let laterIndex = indexes.full ?? indexes.later ?? null;
  let acrossPools = indexes.full;
  if (!indexes.full) {
    // One pass over what may be tens of thousands of reservations, for both indexes.
    const later: Reservation[] = [];
    const across: Reservation[] = [];
    for (let i = 0; i < reservations.length; i++) {
      const r = reservations[i]!;
      if (!holdsSlots(r)) continue;
      if (!laterIndex && r.pool === request.pool && r.end > request.start) later.push(r);
      if (r.start < window.end && window.start < r.end) across.push(r);
    }
    laterIndex ??= new CapacityIndex(inventory, later, request.pool);
    acrossPools = new CapacityIndex(inventory, across);
  }
  const index = indexes.window;
  const later = findFreeWindows({
    inventory,
    reservations,
    index: laterIndex!,
    pool: request.pool,
    nodes: request.nodes,
    gpusPerNode: request.gpusPerNode,
    durationMs: duration,
    after: request.start + 1,
    limit: 1,
    rules,
    now,
  })[0];
  if (later)
    out.push({ ...shapeOf(request), pool: request.pool, start: later.start, end: later.end, kind: "later" });

  if (request.nodes > 1) {
    const whole = freeWholeNodes(index, request.pool, window);
    if (whole >= 1) {
      out.push({
        pool: request.pool,
        nodes: whole,
        gpusPerNode: request.gpusPerNode,
        ...window,
        kind: "smaller",
      });
    }
  } else {
    const most = maxFreeOnOneNode(index, request.pool, window);
    if (most >= 1) out.push({ pool: request.pool, nodes: 1, gpusPerNode: most, ...window, kind: "smaller" });
  }

  const own = inventory.pools.find((p) => p.name === request.pool);
  if (own) {
    const others = inventory.pools
      .filter((p) => p.name !== own.name && ccValue(p.computeCapability) >= ccValue(own.computeCapability))
      .sort(
        (a, b) => ccValue(a.computeCapability) - ccValue(b.computeCapability) || compareId(a.name, b.name),
      );
    for (const p of others) {
      const s = shapeInPool(p, request);
      if (s && placeShape(acrossPools!, p.name, s, window))
        out.push({ pool: p.name, ...s, ...window, kind: "other-pool" });
    }
  }
  return out;
}

function shapeOf(r: Shape): Shape {
  return { nodes: r.nodes, gpusPerNode: r.gpusPerNode };
}
