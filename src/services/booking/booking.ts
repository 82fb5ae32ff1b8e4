// A booking decided alone: a recurring series, a displacement, or whatever a batch could not
// settle (booking-batch.ts sends it here, in arrival order), and the dry run. One transaction:
// read the team's row (its quota says whether its lock is needed), read the snapshot
// (booking-snapshot.ts), ask the core, write the displacements and the bookings, then move the
// pool's memory on by these writes. The exclusion constraint on slot rows has the last word (a
// bug in the core or here surfaces as a conflict, never as a double booking).
import type { Transaction } from "kysely";
import { lockForTransaction } from "../../adapters/db/advisory-locks.ts";
import { appendAudit } from "../../adapters/db/repos/audit.ts";
import { appendEvent } from "../../adapters/db/repos/events.ts";
import { insertAnswer } from "../../adapters/db/repos/idempotency-keys.ts";
import { type BookingRecord, insertBookings } from "../../adapters/db/repos/new-bookings.ts";
import { ownHoldVersionBumps } from "../../adapters/db/repos/pool-hold-versions.ts";
import { insertRecurrence } from "../../adapters/db/repos/recurrences.ts";
import {
  endReservation,
  getReservationRow,
  listReservationRows,
  lockReservationRows,
  markDisplacedIfHeld,
} from "../../adapters/db/repos/reservations.ts";
import { getTeamRow } from "../../adapters/db/repos/teams.ts";
import type { Database } from "../../adapters/db/tables.ts";
import { DomainError, invalid, notFound } from "../../basics/domain-error.ts";
import { newId } from "../../basics/ids.ts";
import {
  type BookingDecision,
  type CapacityIndex,
  canonicalTimeZone,
  decideBooking,
  gpuHoursAhead,
  MAX_SERIES_OCCURRENCES,
  nearestAlternative,
  quotaMayRefuse,
  quotaOf,
  quotaReads,
  seriesStarts,
  type TeamQuota,
} from "../../core/index.ts";
import type { Inventory, Millis, Placement, Priority, Reservation } from "../../core/types.ts";
import { isAdmin, type Principal, type ServiceContext } from "../context.ts";
import { decodeCursor, encodeCursor } from "../cursor.ts";
import { answerRow, type IdempotencyClaim } from "../idempotent-answers.ts";
import { cachedInventory } from "../inventory/inventory-cache.ts";
import { reservationView } from "../views.ts";
import {
  type BookingInput,
  type BookingOutcome,
  bookedOutcome,
  bookingRecord,
  bookingReply,
  refusal,
  resolveTeam,
  unknownTeam,
} from "./booking-answers.ts";
import { type BookingSnapshot, decidedOn, readSnapshot, widen } from "./booking-snapshot.ts";
import { laterIndexOf } from "./later-index.ts";
import { inLockedTransaction, poolLockKey, StaleSnapshot, teamLockKey } from "./transactions.ts";

export { cancelReservation, changeEnd } from "./reservation-changes.ts";

/** Most occurrences one recurring request may create. */
export const MAX_OCCURRENCES = MAX_SERIES_OCCURRENCES;

function occurrenceStarts(input: BookingInput): Millis[] {
  if (!input.repeat) return [input.start];
  const series = seriesStarts({
    start: input.start,
    end: input.end,
    every: input.repeat.every,
    until: input.repeat.until,
    timeZone: input.repeat.timeZone ?? "UTC",
  });
  if (!series.ok) throw invalid([{ field: series.field, message: series.message }]);
  return series.occurrences.map((o) => o.start);
}

/** The span a request's occurrences cover: what its snapshot and its quota read. */
function span(team: string, input: BookingInput) {
  const end = input.repeat ? Math.max(input.end, input.repeat.until + (input.end - input.start)) : input.end;
  return { team, pool: input.pool, start: input.start, end };
}

export interface DryRunOutcome {
  readonly placement: Placement;
  readonly displaces: string[];
  readonly quotaLeft: Partial<Record<Priority, number | null>>;
  readonly occurrences?: number;
}

interface Decided {
  readonly request: Reservation;
  readonly decision: Extract<BookingDecision, { ok: true }>;
}

/** Decides every occurrence on `reservations`, each seeing the ones before it; throws the first refusal. */
function decideAll(
  ctx: ServiceContext,
  by: Principal,
  team: string,
  input: BookingInput,
  inventory: Inventory,
  quota: TeamQuota,
  reservations: Reservation[],
  now: Millis,
  /** For the first occurrence, decided on `reservations` as they are (later-index.ts). */
  laterIndex?: () => CapacityIndex | undefined,
): Decided[] {
  const length = input.end - input.start;
  const seen = [...reservations];
  return occurrenceStarts(input).map((start, i) => {
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
      inventory,
      reservations: seen,
      request,
      now,
      rules: ctx.rules,
      quota,
      bypassQuota: isAdmin(by),
      laterIndex: i === 0 ? laterIndex : undefined,
    });
    if (!decision.ok) throw refusal(decision, input.repeat ? i : undefined);
    const booked: Reservation = {
      ...request,
      bookedAt: now,
      state: "confirmed",
      placement: decision.placement,
    };
    const displaced = new Set(decision.displaced.map((d) => d.id));
    for (let k = 0; k < seen.length; k++) {
      if (displaced.has(seen[k]!.id)) seen[k] = { ...seen[k]!, state: "displaced" };
    }
    seen.push(booked);
    return { request: booked, decision };
  });
}

/**
 * Decides on `snap` and, unless every occurrence is a plain acceptance (which depends on nothing
 * else), once more on the wide snapshot: at most two decisions, one when `snap` is wide already.
 */
async function decide(
  ctx: ServiceContext,
  db: Transaction<Database> | ServiceContext["db"],
  by: Principal,
  input: BookingInput,
  read: { readonly team: string; readonly quota: TeamQuota; readonly snap: BookingSnapshot },
) {
  const around = span(read.team, input);
  const run = (snap: BookingSnapshot) => {
    const reservations = decidedOn(snap, around);
    const holds = snap.wide ? snap.pools.get(input.pool)?.index : undefined;
    const later = holds && (() => laterIndexOf(holds, snap.inventory, input, reservations));
    const decided = decideAll(
      ctx,
      by,
      read.team,
      input,
      snap.inventory,
      read.quota,
      reservations,
      snap.now,
      later,
    );
    return { snap, reservations, decided };
  };
  if (!read.snap.wide) {
    try {
      const narrow = run(read.snap);
      if (narrow.decided.every((d) => d.decision.displaced.length === 0)) return narrow;
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
    }
  }
  return run(await widen(ctx, db, read.snap));
}

/** The team's quota (its row read once), then, after `beforeSnapshot`, what it is decided on. */
async function readAlone(
  ctx: ServiceContext,
  db: Transaction<Database> | ServiceContext["db"],
  at: {
    readonly team: string;
    readonly input: BookingInput;
    readonly now: Millis;
    readonly inventory: Inventory;
  },
  beforeSnapshot: (quota: TeamQuota) => Promise<void> = async () => {},
) {
  const { team, input, now, inventory } = at;
  const row = await getTeamRow(db, team);
  if (!row) throw unknownTeam(team);
  const quota = quotaOf(row.quota, row.max_gpus);
  await beforeSnapshot(quota);
  const reads = quotaReads(team, quota, span(team, input), now);
  const snap = await readSnapshot(ctx, db, { pool: input.pool, inventory, now }, reads ? [reads] : []);
  return { team, quota, snap };
}

export async function dryRun(
  ctx: ServiceContext,
  by: Principal,
  input: BookingInput,
): Promise<DryRunOutcome> {
  const team = resolveTeam(by, input.team);
  const now = ctx.clock.now();
  const read = await readAlone(ctx, ctx.db, { team, input, now, inventory: await cachedInventory(ctx) });
  const { decided } = await decide(ctx, ctx.db, by, input, {
    ...read,
    snap: await widen(ctx, ctx.db, read.snap),
  });
  return {
    placement: decided[0]!.decision.placement,
    displaces: [...new Set(decided.flatMap((d) => d.decision.displaced.map((x) => x.id)))],
    quotaLeft: decided.at(-1)!.decision.quotaLeft,
    ...(input.repeat ? { occurrences: decided.length } : {}),
  };
}

/** Books `input` alone; `wide` when a batch already found it is no plain acceptance. */
export async function book(
  ctx: ServiceContext,
  by: Principal,
  input: BookingInput,
  hint: { readonly wide?: boolean; readonly claim?: IdempotencyClaim | undefined } = {},
): Promise<BookingOutcome> {
  try {
    return await bookOnce(ctx, by, input, hint.wide ?? false, hint.claim);
  } catch (err) {
    // Retries exhausted on slot clashes: the constraint said no without saying what is free.
    // Answer as the core would now, with suggestions and holders.
    if (err instanceof DomainError && err.code === "slot-taken" && !("suggestions" in err.extra)) {
      await dryRun(ctx, by, input);
    }
    throw err;
  }
}

async function bookOnce(
  ctx: ServiceContext,
  by: Principal,
  input: BookingInput,
  wide: boolean,
  claim: IdempotencyClaim | undefined,
) {
  const team = resolveTeam(by, input.team);
  // Read before the transaction: a query on the pool from inside one would need a second
  // connection while holding the first (with PGlite's single connection, a deadlock).
  const inventory = await cachedInventory(ctx);
  // The team's lock serialises its bookings so its quota is read and charged atomically. A booking
  // the quota cannot refuse skips it on the optimistic attempt: otherwise every team's bookings
  // queue behind each other for nothing. Retries take the team's lock, then the pool's (the order
  // every writer uses: services/booking/transactions.ts).
  const locks = { always: [], onRetry: [teamLockKey(team), poolLockKey(input.pool)] };
  const result = await inLockedTransaction(ctx, locks, async (trx, attempt) => {
    const now = ctx.clock.now();
    const read = await readAlone(ctx, trx, { team, input, now, inventory }, async (quota) => {
      if (attempt === 1 && !isAdmin(by) && quotaMayRefuse(quota, input.priority)) {
        await lockForTransaction(trx, [teamLockKey(team)]);
      }
    });
    const { snap, reservations, decided } = await decide(ctx, trx, by, input, {
      ...read,
      snap: wide ? await widen(ctx, trx, read.snap) : read.snap,
    });
    const written = await write(ctx, trx, by, input, decided, { inventory, reservations, now });
    // The answer commits with the booking: a retry after a crash finds it instead of booking again.
    if (claim) await insertAnswer(trx, answerRow(claim, 201, bookingReply(written.outcome, !!input.repeat)));
    // Whether memory may move on by this booking's own writes (else the next reader reads the pool).
    const version = snap.pools.get(input.pool)?.version;
    const own = version !== undefined ? await ownHoldVersionBumps(trx, input.pool) : null;
    return {
      ...written,
      keep: own && own.before === version ? { from: own.before, to: own.after } : undefined,
    };
  });
  ctx.booking.afterCommit?.();
  if (claim) claim.stored = true;
  if (result.keep) ctx.booking.holds.afterOwnWrites(input.pool, result.keep, result.changes);
  ctx.changed();
  return result.outcome;
}

/**
 * Writes what was decided, in decision order: each occurrence's displacements, then the
 * occurrences up to the next one that displaces, in one statement (the batch's write).
 */
async function write(
  ctx: ServiceContext,
  trx: Transaction<Database>,
  by: Principal,
  input: BookingInput,
  decided: readonly Decided[],
  on: { readonly inventory: Inventory; readonly reservations: readonly Reservation[]; readonly now: Millis },
) {
  const { now } = on;
  // The victims' rows before any write (the lock order of repos/reservations.ts); one another
  // writer ended since the snapshot was read makes the snapshot stale.
  const victimIds = decided.flatMap((d) => d.decision.displaced.map((v) => v.id));
  const locked = await lockReservationRows(trx, victimIds);
  if (locked.some((r) => r.state !== "confirmed")) throw new StaleSnapshot();
  let recurrenceId: string | null = null;
  if (input.repeat) {
    recurrenceId = newId("rec");
    await insertRecurrence(trx, {
      id: recurrenceId,
      team: decided[0]!.request.team,
      every: input.repeat.every,
      until: input.repeat.until,
      // Validated with the occurrences, before anything was decided.
      timeZone: canonicalTimeZone(input.repeat.timeZone ?? "UTC")!,
    });
  }
  const records = decided.map((d) => bookingRecord(d.request, by, input.title, recurrenceId));
  const byId = new Map(on.reservations.map((r) => [r.id, r]));
  const removed: Reservation[] = [];
  let pending: BookingRecord[] = [];
  for (const [i, { request, decision }] of decided.entries()) {
    const victims = decision.displaced.filter((v) => byId.has(v.id) && !removed.some((r) => r.id === v.id));
    if (victims.length > 0 && pending.length > 0) {
      await insertBookings(trx, now, pending);
      pending = [];
    }
    for (const v of victims) {
      const victim = byId.get(v.id)!;
      await displace(ctx, trx, { victim, by: request, reason: v.reason, actor: by }, on);
      removed.push(victim);
    }
    pending.push(records[i]!);
  }
  await insertBookings(trx, now, pending);
  const first = decided[0]!.decision.displaced.map((d) => d.id);
  return {
    outcome: bookedOutcome(
      records[0]!,
      records.map((r) => r.reservation.id),
      first,
      now,
    ),
    changes: { added: decided.map((d) => d.request), removed },
  };
}

/** Marks `victim` displaced, with its audit entry and event; offers it the nearest free window. */
async function displace(
  ctx: ServiceContext,
  trx: Transaction<Database>,
  d: {
    readonly victim: Reservation;
    readonly by: Reservation;
    readonly reason: string;
    readonly actor: Principal;
  },
  on: { readonly inventory: Inventory; readonly reservations: readonly Reservation[]; readonly now: Millis },
) {
  const { victim, by, reason, actor } = d;
  const { now } = on;
  // Optimistic: another booking may have taken this victim since the snapshot was read.
  if (!(await markDisplacedIfHeld(trx, victim.id)))
    throw new StaleSnapshot(`reservation ${victim.id} changed under the booking`);
  // The loser is offered the nearest alternative of the same shape and length (free now), kept on
  // the reservation so its team finds it there later.
  const alternative = nearestAlternative({
    inventory: on.inventory,
    reservations: on.reservations.concat([by]),
    victim,
    rules: ctx.rules,
    now,
  });
  await endReservation(trx, victim.id, "displaced", now, { displacedBy: by.id, reason, alternative });
  await appendAudit(trx, {
    at: now,
    actor: actor.name,
    action: "displace",
    team: victim.team,
    reservationId: victim.id,
    reason,
    lostGpuHours: gpuHoursAhead(victim, victim, now),
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
