// Booking use-cases. A booking is one transaction: lock (team, pool), read the snapshot, ask the
// core, write the result: the new reservation and its slot rows, each displacement with its audit
// entry and event. The exclusion constraint on slot rows has the last word (a bug in the core or
// here surfaces as a conflict, never as a double booking).
import type { Transaction } from "kysely";
import { lockForTransaction } from "../../adapters/db/advisory-locks.ts";
import { toReservation } from "../../adapters/db/mappers.ts";
import { appendAudit } from "../../adapters/db/repos/audit.ts";
import { appendEvent } from "../../adapters/db/repos/events.ts";
import { loadInventory } from "../../adapters/db/repos/inventory.ts";
import { insertRecurrence } from "../../adapters/db/repos/recurrences.ts";
import {
  endReservation,
  getReservationRow,
  insertReservation,
  listReservationRows,
  loadTeamQuotaRows,
  lockReservationRow,
  markDisplacedIfHeld,
  ownHoldVersionBumps,
  setReservationEnd,
} from "../../adapters/db/repos/reservations.ts";
import { getTeamRow } from "../../adapters/db/repos/teams.ts";
import type { Database, ReservationRow } from "../../adapters/db/tables.ts";
import { DomainError, invalid, notFound } from "../../basics/domain-error.ts";
import { newId } from "../../basics/ids.ts";
import {
  type BookingDecision,
  checkQuota,
  decideBooking,
  findFreeWindows,
  isoWeekStart,
  type Suggestion,
  type TeamQuota,
  validateBookingRequest,
} from "../../core/index.ts";
import type { Inventory, Millis, Placement, Priority, Reservation } from "../../core/types.ts";
import { teamQuota } from "../access/teams.ts";
import { isAdmin, type Principal, type ServiceContext } from "../context.ts";
import { decodeCursor, encodeCursor } from "../cursor.ts";
import { cachedInventory } from "../inventory/inventory-cache.ts";
import { iso, reservationView } from "../views.ts";
import { applyOwnWrites, currentHoldsOf } from "./pool-holds-memory.ts";
import { inLockedTransaction, poolLockKey, StaleSnapshot, teamLockKey } from "./transactions.ts";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;

export interface BookingInput {
  readonly pool: string;
  readonly nodes: number;
  readonly gpusPerNode: number;
  readonly start: Millis;
  readonly end: Millis;
  readonly priority: Priority;
  readonly title?: string | undefined;
  readonly team?: string | undefined;
  /** Daily or weekly occurrences until (exclusive of starts at or after) `until`. */
  readonly repeat?: { readonly every: "day" | "week"; readonly until: Millis } | undefined;
}

/** Most occurrences one recurring request may create. */
export const MAX_OCCURRENCES = 100;

export function resolveTeam(by: Principal, team: string | undefined): string {
  if (isAdmin(by)) {
    const t = team ?? by.team;
    if (!t) throw invalid([{ field: "team", message: "an admin books for a team: name it" }]);
    return t;
  }
  if (team !== undefined && team !== by.team) {
    throw new DomainError("forbidden", `members book for their own team (${by.team}) only`);
  }
  return by.team!;
}

function suggestionView(s: Suggestion) {
  return {
    pool: s.pool,
    nodes: s.nodes,
    gpusPerNode: s.gpusPerNode,
    start: iso(s.start),
    end: iso(s.end),
    kind: s.kind,
  };
}

/** A refusal of the core as the domain error the API turns into problem+json. */
export function refusal(decision: Exclude<BookingDecision, { ok: true }>, occurrence?: number): DomainError {
  const where = occurrence !== undefined && occurrence > 0 ? ` (occurrence ${occurrence + 1})` : "";
  switch (decision.code) {
    case "invalid":
      return invalid(decision.errors, `the booking is invalid${where}`);
    case "slot-taken":
      return new DomainError("slot-taken", decision.detail + where, {
        suggestions: decision.suggestions.map(suggestionView),
        holders: decision.holders,
      });
    case "quota-exceeded": {
      const { ok: _ok, code: _code, detail, ...figures } = decision;
      return new DomainError("quota-exceeded", detail + where, figures);
    }
    case "displacement-frozen":
      return new DomainError("displacement-frozen", decision.detail + where, { holders: decision.holders });
  }
}

function occurrenceStarts(input: BookingInput): Millis[] {
  if (!input.repeat) return [input.start];
  const step = input.repeat.every === "day" ? DAY_MS : 7 * DAY_MS;
  const starts: Millis[] = [];
  for (let t = input.start; t < input.repeat.until; t += step) {
    starts.push(t);
    if (starts.length > MAX_OCCURRENCES) {
      throw invalid([{ field: "repeat", message: `at most ${MAX_OCCURRENCES} occurrences per request` }]);
    }
  }
  if (starts.length === 0) throw invalid([{ field: "repeat", message: "until must be after start" }]);
  return starts;
}

export function unknownTeam(team: string): DomainError {
  return invalid([{ field: "team", message: `unknown team "${team}"` }]);
}

interface Snapshot {
  readonly inventory: Inventory;
  readonly reservations: Reservation[];
  readonly quota: ReturnType<typeof teamQuota> | null;
  /** The version of the booking's pool whose holds (from memory) the snapshot holds. */
  readonly holdVersion?: string | undefined;
}

/**
 * What a booking is decided on, without reading any pool's whole future from the table. The
 * pools' holds come from the per-pool memory, checked against their hold versions on `db`
 * (services/pool-holds-memory.ts): the pool's holds over the window (placement, displacement) or,
 * for the wider snapshot, from the window's start on (the "later" suggestion) and the other pools'
 * holds over the window (their suggestions). From the table come only the team's rows its quota
 * reads: the bookings of its limited classes in the weeks touched, and its holds over the window
 * when it has a GPU cap.
 */
async function snapshot(
  ctx: ServiceContext,
  db: Transaction<Database> | ServiceContext["db"],
  team: string,
  input: BookingInput,
  now: Millis,
  inventory: Inventory,
  narrow = false,
): Promise<Snapshot> {
  const lastEnd = input.repeat
    ? Math.max(input.end, input.repeat.until + (input.end - input.start))
    : input.end;
  const teamRow = await getTeamRow(db, team);
  if (!teamRow) throw unknownTeam(team);
  const quota = teamQuota(teamRow);
  const quotaRows = await loadTeamQuotaRows(db, now, {
    team,
    weeksFrom: isoWeekStart(Math.min(now, input.start)),
    weeksTo: isoWeekStart(lastEnd) + WEEK_MS,
    limitedClasses: Object.keys(quota.gpuHoursPerWeek),
    capWindow: quota.maxGpus !== undefined ? { start: input.start, end: lastEnd } : undefined,
  });
  // Only known pools: a pool name comes from the request, and memory keeps what it reads.
  const known = inventory.pools.map((p) => p.name);
  const holds = await currentHoldsOf(
    ctx,
    db,
    narrow ? known.filter((name) => name === input.pool) : known,
    now,
  );
  const fromPools = [...holds].map(([pool, { index }]) =>
    pool === input.pool && !narrow
      ? index.overlapping(Math.max(now, input.start), Number.POSITIVE_INFINITY, now)
      : index.overlapping(input.start, lastEnd, now),
  );
  // In id order, as the table gave them: the same snapshot always reads the same.
  const reservations = distinctReservations(asQuotaSnapshot(quotaRows, now), ...fromPools).sort((a, b) =>
    a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
  return { inventory, reservations, quota, holdVersion: holds.get(input.pool)?.version };
}

/**
 * The reservations of several lists, each id once (its first appearance wins): a snapshot gathered
 * from the table's quota rows and the pools' holds in memory, which overlap.
 */
export function distinctReservations(...lists: Iterable<Reservation>[]): Reservation[] {
  const byId = new Map<string, Reservation>();
  for (const list of lists) for (const r of list) if (!byId.has(r.id)) byId.set(r.id, r);
  return [...byId.values()];
}

/**
 * Rows as the core sees them for a booking. The core counts quota over reservations that hold
 * slots; a finished booking of the team in a quota week must still count, so it is shown to the
 * core as held. Its window lies before the current grid step, so it cannot collide with any
 * placement the core considers.
 */
export function asQuotaSnapshot(rows: readonly ReservationRow[], now: Millis): Reservation[] {
  return rows.map((r) => {
    const res = toReservation(r, now);
    return res.state === "completed" ? { ...res, state: "active" as const } : res;
  });
}

export interface BookingOutcome {
  readonly reservation: ReturnType<typeof reservationView> & { displaced: string[] };
  readonly occurrences: string[];
}

export interface DryRunOutcome {
  readonly placement: Placement;
  readonly displaces: string[];
  readonly quotaLeft: Partial<Record<Priority, number | null>>;
  readonly occurrences?: number;
}

/** Decides every occurrence against one snapshot, each seeing the ones before it. */
function decideAll(
  ctx: ServiceContext,
  by: Principal,
  team: string,
  input: BookingInput,
  snap: Snapshot,
  now: Millis,
) {
  const length = input.end - input.start;
  const reservations = [...snap.reservations];
  const out: { request: Reservation; decision: Extract<BookingDecision, { ok: true }> }[] = [];
  occurrenceStarts(input).forEach((start, i) => {
    const request = {
      id: newId("r"),
      team,
      pool: input.pool,
      nodes: input.nodes,
      gpusPerNode: input.gpusPerNode,
      start,
      end: start + length,
      priority: input.priority,
    };
    const decision = decideBooking({
      inventory: snap.inventory,
      reservations,
      request,
      now,
      rules: ctx.rules,
      quota: snap.quota,
      bypassQuota: isAdmin(by),
    });
    if (!decision.ok) throw refusal(decision, input.repeat ? i : undefined);
    const booked: Reservation = {
      ...request,
      bookedAt: now,
      state: "confirmed",
      placement: decision.placement,
    };
    const displaced = new Set(decision.displaced.map((d) => d.id));
    for (let k = 0; k < reservations.length; k++) {
      const r = reservations[k]!;
      if (displaced.has(r.id)) reservations[k] = { ...r, state: "displaced" };
    }
    reservations.push(booked);
    out.push({ request: booked, decision });
  });
  return out;
}

export async function dryRun(
  ctx: ServiceContext,
  by: Principal,
  input: BookingInput,
): Promise<DryRunOutcome> {
  const team = resolveTeam(by, input.team);
  const now = ctx.clock.now();
  const snap = await snapshot(ctx, ctx.db, team, input, now, await cachedInventory(ctx));
  const decided = decideAll(ctx, by, team, input, snap, now);
  const first = decided[0]!;
  return {
    placement: first.decision.placement,
    displaces: [...new Set(decided.flatMap((d) => d.decision.displaced.map((x) => x.id)))],
    quotaLeft: decided.at(-1)!.decision.quotaLeft,
    ...(input.repeat ? { occurrences: decided.length } : {}),
  };
}

export async function book(ctx: ServiceContext, by: Principal, input: BookingInput): Promise<BookingOutcome> {
  try {
    return await bookOnce(ctx, by, input);
  } catch (err) {
    // Retries exhausted on slot clashes: the constraint said no without saying what is free.
    // Answer as the core would now, with suggestions and holders.
    if (err instanceof DomainError && err.code === "slot-taken" && !("suggestions" in err.extra)) {
      await dryRun(ctx, by, input);
    }
    throw err;
  }
}

async function bookOnce(ctx: ServiceContext, by: Principal, input: BookingInput): Promise<BookingOutcome> {
  const team = resolveTeam(by, input.team);
  // Read before the transaction: a query on the pool from inside one would need a second
  // connection while holding the first (with PGlite's single connection, a deadlock).
  const inventory = await cachedInventory(ctx);
  // The team's lock serialises its bookings so its quota is read and charged atomically. A booking
  // the quota cannot refuse (an admin's, or a class without a weekly limit in a team without a
  // concurrent-GPU cap) skips it on the optimistic attempt: otherwise every team's bookings queue
  // behind each other for nothing. Retries take the team's lock, then the pool's (same order).
  const locks = { always: [], onRetry: [teamLockKey(team), poolLockKey(input.pool)] };
  const result = await inLockedTransaction(ctx, locks, async (trx, attempt) => {
    let teamLocked = attempt > 1;
    if (!teamLocked && !isAdmin(by)) {
      const row = await getTeamRow(trx, team);
      if (row && quotaMayRefuse(teamQuota(row), input.priority)) {
        await lockForTransaction(trx, [teamLockKey(team)]);
        teamLocked = true;
      }
    }
    const now = ctx.clock.now();
    const { snap, decided } = await decideInTransaction(ctx, trx, by, team, input, now, inventory);
    // The quota changed between the first read and the snapshot: decide again under the lock.
    if (!teamLocked && !isAdmin(by) && snap.quota && quotaMayRefuse(snap.quota, input.priority)) {
      throw new StaleSnapshot(`team ${team}'s quota changed under the booking`);
    }
    let recurrenceId: string | null = null;
    if (input.repeat) {
      recurrenceId = newId("rec");
      await insertRecurrence(trx, {
        id: recurrenceId,
        team,
        every: input.repeat.every,
        until: input.repeat.until,
      });
    }
    const byId = new Map(snap.reservations.map((r) => [r.id, r]));
    const displacedAll: string[] = [];
    let firstRow: ReservationRow | undefined;
    for (const { request, decision } of decided) {
      for (const victim of decision.displaced) {
        const v = byId.get(victim.id);
        if (!v || displacedAll.includes(victim.id)) continue;
        await displace(ctx, trx, v, request, victim.reason, snap, now, by);
        displacedAll.push(victim.id);
      }
      const inserted = await insertReservation(trx, {
        reservation: request,
        title: input.title ?? "",
        kind: "booking",
        bookedBy: by.name,
        recurrenceId,
      });
      firstRow ??= inserted;
      await appendAudit(trx, {
        at: now,
        actor: by.name,
        action: "book",
        team,
        reservationId: request.id,
        detail: bookAuditDetail(request),
      });
      await appendEvent(trx, now, "reservation.created", team, createdEventData(request));
    }
    const ids = decided.map((d) => d.request.id);
    const row = firstRow!;
    const firstDisplaced = decided[0]!.decision.displaced.map((d) => d.id);
    // Whether memory may move on by this booking's own writes (else the next reader reads the pool).
    const own = snap.holdVersion !== undefined ? await ownHoldVersionBumps(trx, input.pool) : null;
    const keep =
      own && own.before === snap.holdVersion
        ? {
            versions: { from: own.before, to: own.after },
            writes: {
              added: decided.map((d) => d.request),
              removed: displacedAll.map((id) => byId.get(id)!),
            },
          }
        : undefined;
    return {
      outcome: { reservation: { ...reservationView(row, now), displaced: firstDisplaced }, occurrences: ids },
      keep,
    };
  });
  if (result.keep) applyOwnWrites(ctx, input.pool, result.keep.versions, result.keep.writes);
  ctx.changed();
  return result.outcome;
}

/** The `book` audit entry's detail (the batched path writes the same). */
export function bookAuditDetail(r: Reservation): Record<string, unknown> {
  return {
    pool: r.pool,
    nodes: r.nodes,
    gpusPerNode: r.gpusPerNode,
    priority: r.priority,
    start: iso(r.start),
    end: iso(r.end),
    placement: r.placement,
  };
}

/** The `reservation.created` event's data (CONTRACTS §4). */
export function createdEventData(r: Reservation): Record<string, unknown> {
  return {
    reservation: r.id,
    team: r.team,
    pool: r.pool,
    start: iso(r.start),
    end: iso(r.end),
    priority: r.priority,
    placement: r.placement,
  };
}

/**
 * Decides first on the narrow snapshot (the pool's holds overlapping the window and the team's in
 * its quota weeks): a plain acceptance depends on nothing else, so it is the same decision the full
 * snapshot gives, at a cost that does not grow with the pool's bookings. A refusal or a
 * displacement (whose suggestions and alternatives look further ahead) is decided again on the full
 * snapshot, in the same transaction.
 */
async function decideInTransaction(
  ctx: ServiceContext,
  trx: Transaction<Database>,
  by: Principal,
  team: string,
  input: BookingInput,
  now: Millis,
  inventory: Inventory,
) {
  const narrow = await snapshot(ctx, trx, team, input, now, inventory, true);
  try {
    const decided = decideAll(ctx, by, team, input, narrow, now);
    if (decided.every((d) => d.decision.displaced.length === 0)) return { snap: narrow, decided };
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
  }
  const snap = await snapshot(ctx, trx, team, input, now, inventory);
  return { snap, decided: decideAll(ctx, by, team, input, snap, now) };
}

/** Whether `quota` can refuse a booking of `priority` (a weekly limit for the class, or a GPU cap). */
export function quotaMayRefuse(quota: TeamQuota, priority: Priority): boolean {
  return quota.gpuHoursPerWeek[priority] !== undefined || quota.maxGpus !== undefined;
}

async function displace(
  ctx: ServiceContext,
  trx: Transaction<Database>,
  victim: Reservation,
  by: Reservation,
  reason: string,
  snap: Snapshot,
  now: Millis,
  actor: Principal,
) {
  // Optimistic: another booking may have taken this victim since the snapshot was read.
  if (!(await markDisplacedIfHeld(trx, victim.id)))
    throw new StaleSnapshot(`reservation ${victim.id} changed under the booking`);
  await endReservation(trx, victim.id, "displaced", now, { displacedBy: by.id, reason });
  const lost = (victim.nodes * victim.gpusPerNode * (victim.end - victim.start)) / HOUR_MS;
  // The loser is offered the nearest alternative of the same shape and length (free now).
  const after = snap.reservations.filter((r) => r.id !== victim.id).concat([by]);
  const alt = findFreeWindows({
    inventory: snap.inventory,
    reservations: after,
    pool: victim.pool,
    nodes: victim.nodes,
    gpusPerNode: victim.gpusPerNode,
    durationMs: victim.end - victim.start,
    after: victim.start,
    limit: 1,
    rules: ctx.rules,
    now,
  })[0];
  const alternative = alt
    ? {
        pool: victim.pool,
        nodes: victim.nodes,
        gpusPerNode: victim.gpusPerNode,
        start: iso(alt.start),
        end: iso(alt.end),
      }
    : null;
  await appendAudit(trx, {
    at: now,
    actor: actor.name,
    action: "displace",
    team: victim.team,
    reservationId: victim.id,
    reason,
    lostGpuHours: lost,
    detail: { by: by.id, byTeam: by.team, byPriority: by.priority, alternative },
  });
  await appendEvent(trx, now, "reservation.displaced", victim.team, {
    reservation: victim.id,
    team: victim.team,
    by: by.id,
    reason,
    alternative,
  });
  ctx.logger.info({ reservation: victim.id, by: by.id }, "reservation displaced");
}

export async function getReservation(ctx: ServiceContext, id: string) {
  const row = await getReservationRow(ctx.db, id);
  if (!row) throw notFound(`reservation ${id}`);
  return reservationView(row, ctx.clock.now());
}

export interface ListQuery {
  readonly team?: string | undefined;
  readonly pool?: string | undefined;
  readonly state?: string | undefined;
  readonly from?: Millis | undefined;
  readonly to?: Millis | undefined;
  readonly limit: number;
  readonly cursor?: string | undefined;
}

export async function listReservations(ctx: ServiceContext, q: ListQuery) {
  const now = ctx.clock.now();
  const rows = await listReservationRows(
    ctx.db,
    { ...q, afterSeq: q.cursor ? decodeCursor(q.cursor) : undefined },
    now,
  );
  const page = rows.slice(0, q.limit);
  const more = rows.length > q.limit;
  return {
    items: page.map((r) => reservationView(r, now)),
    ...(more ? { nextCursor: encodeCursor(page.at(-1)!.seq) } : {}),
  };
}

function assertMayChange(by: Principal, row: ReservationRow) {
  if (!isAdmin(by) && row.team !== by.team) {
    throw new DomainError("forbidden", `reservation ${row.id} belongs to team ${row.team}`);
  }
}

export async function cancelReservation(ctx: ServiceContext, by: Principal, id: string) {
  const out = await inLockedTransaction(ctx, [], async (trx) => {
    const row = await lockReservationRow(trx, id);
    if (!row) throw notFound(`reservation ${id}`);
    assertMayChange(by, row);
    const now = ctx.clock.now();
    const state = toReservation(row, now).state;
    if (state === "cancelled") return { row, changed: false };
    if (state !== "confirmed" && state !== "active") {
      throw new DomainError("invalid-state", `reservation ${id} is ${state}: it cannot be cancelled`, {
        state,
      });
    }
    await endReservation(trx, id, "cancelled", now, { reason: `cancelled by ${by.name}` });
    const gpus = row.nodes * row.gpus_per_node;
    const unused = (gpus * (row.end_at.getTime() - Math.max(now, row.start_at.getTime()))) / HOUR_MS;
    // Its running jobs are signalled by the next cycle and requeued as opportunistic work once their
    // GPUs are free (CONTRACTS §4); the cycle runs right after this commit.
    await appendAudit(trx, {
      at: now,
      actor: by.name,
      action: "cancel",
      team: row.team,
      reservationId: id,
      reason: `cancelled by ${by.name}`,
      detail: { unusedGpuHours: unused },
    });
    await appendEvent(trx, now, "reservation.cancelled", row.team, {
      reservation: id,
      team: row.team,
      by: by.name,
    });
    return { row: (await getReservationRow(trx, id))!, changed: true };
  });
  if (out.changed) ctx.changed();
  return reservationView(out.row, ctx.clock.now());
}

/** Extends or shortens a reservation's end, keeping its placement. */
export async function changeEnd(ctx: ServiceContext, by: Principal, id: string, end: Millis) {
  const pre = await getReservationRow(ctx.db, id);
  if (!pre) throw notFound(`reservation ${id}`);
  assertMayChange(by, pre);
  const out = await inLockedTransaction(ctx, [teamLockKey(pre.team), poolLockKey(pre.pool)], async (trx) => {
    const row = (await lockReservationRow(trx, id))!;
    const now = ctx.clock.now();
    const current = toReservation(row, now);
    if (current.state !== "confirmed" && current.state !== "active") {
      throw new DomainError("invalid-state", `reservation ${id} is ${current.state}: its end cannot change`, {
        state: current.state,
      });
    }
    if (end === current.end) return row;
    const inventory = await loadInventory(trx);
    const changed = { ...current, end };
    // An active reservation's start lies in the past: validate the new length as if it started now.
    const errors = validateBookingRequest(
      inventory,
      { ...changed, start: Math.max(current.start, now - (now % ctx.rules.gridMs)) },
      now,
      ctx.rules,
    ).filter((e) => e.field === "end");
    if (end <= now) errors.push({ field: "end", message: "the new end lies in the past" });
    if (errors.length > 0) throw invalid(errors);
    if (end > current.end && !isAdmin(by)) {
      const teamRow = (await getTeamRow(trx, row.team))!;
      const quota = teamQuota(teamRow);
      // The team's rows its quota reads for the added time (as for a booking). Its finished
      // bookings count; the reservation itself is among them and counts with its current window:
      // the request is only the added time, which that window does not overlap.
      const rows = await loadTeamQuotaRows(trx, now, {
        team: row.team,
        weeksFrom: isoWeekStart(Math.min(now, current.end)),
        weeksTo: isoWeekStart(end) + WEEK_MS,
        limitedClasses: Object.keys(quota.gpuHoursPerWeek),
        capWindow: quota.maxGpus !== undefined ? { start: current.end, end } : undefined,
      });
      const held = asQuotaSnapshot(rows, now);
      const verdict = checkQuota(quota, held, {
        team: row.team,
        priority: current.priority,
        gpus: row.nodes * row.gpus_per_node,
        window: { start: current.end, end },
      });
      if (!verdict.ok) {
        const { ok: _ok, ...figures } = verdict;
        throw new DomainError("quota-exceeded", verdict.detail, figures);
      }
    }
    await setReservationEnd(trx, row, end);
    await appendAudit(trx, {
      at: now,
      actor: by.name,
      action: end > current.end ? "extend" : "shorten",
      team: row.team,
      reservationId: id,
      detail: { from: iso(current.end), to: iso(end) },
    });
    return (await getReservationRow(trx, id))!;
  });
  ctx.changed();
  return reservationView(out, ctx.clock.now());
}
