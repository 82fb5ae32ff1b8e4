// Reservations and the slot rows that hold them. Anything that writes takes a Transaction: the
// caller (the booking service) owns it and the per-pool lock that serialises it.
import { type Kysely, sql, type Transaction } from "kysely";
import { bookedGpuSeconds, type QuotaReads } from "../../../core/index.ts";
import type { Millis, Placement } from "../../../core/types.ts";
import { type NewReservationRecord, newReservationRow } from "../mappers.ts";
import { translateSqlError } from "../sql-errors.ts";
import type { AlternativeJson, Database, ReservationRow, StoredReservationState } from "../tables.ts";
import { slotRows } from "./new-bookings.ts";

type Handle = Kysely<Database> | Transaction<Database>;

/**
 * The rows the teams' quotas count for a booking or a batch (`quotaReads` in src/core/quota.ts
 * says which): per team, its held and finished bookings of the limited classes in the quota
 * weeks, and its holds over the window when it has a GPU cap. One statement for all teams.
 */
export async function loadQuotaRows(
  db: Handle,
  now: Millis,
  reads: readonly QuotaReads[],
): Promise<ReservationRow[]> {
  if (reads.length === 0) return [];
  const iso = (t: Millis) => new Date(t).toISOString();
  const wanted = reads.map((r) => ({
    team: r.team,
    weeks_from: iso(r.weeksFrom),
    weeks_to: iso(r.weeksTo),
    classes: r.classes,
    cap_from: r.capWindow ? iso(r.capWindow.start) : null,
    cap_to: r.capWindow ? iso(r.capWindow.end) : null,
  }));
  const at = iso(now);
  const result = await sql<ReservationRow>`
    SELECT DISTINCT ON (r.id) r.* FROM reservations r
    JOIN jsonb_to_recordset(${JSON.stringify(wanted)}::jsonb) AS w(
      team text, weeks_from timestamptz, weeks_to timestamptz, classes text[], cap_from timestamptz,
      cap_to timestamptz) ON r.team = w.team
    -- The teams again as a plain array: the planner cannot see into the function's rows, and with
    -- the array it reads the teams' rows through their index instead of the whole table
    -- (BENCHMARKS.md, the booking path restructured).
    WHERE r.team = ANY (${reads.map((r) => r.team)}::text[])
      AND ((r.priority = ANY (w.classes) AND r.end_at > w.weeks_from
           AND ((r.state = 'confirmed' AND r.end_at > ${at}::timestamptz AND r.start_at < w.weeks_to)
                OR (r.state IN ('confirmed', 'completed') AND r.end_at <= ${at}::timestamptz)))
       OR (r.state = 'confirmed' AND r.end_at > ${at}::timestamptz
           AND r.start_at < w.cap_to AND r.end_at > w.cap_from))
    ORDER BY r.id`.execute(db);
  return result.rows;
}

export async function getReservationRow(db: Handle, id: string): Promise<ReservationRow | undefined> {
  return db.selectFrom("reservations").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function lockReservationRow(trx: Transaction<Database>, id: string) {
  return trx.selectFrom("reservations").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
}

/**
 * The lock order of every transaction that changes held reservations: first the rows of all the
 * reservations it will change (this, in id order, before any write), then its pool's hold version
 * (the trigger of its first write to `reservations`), then slot rows (`endReservation`,
 * `setReservationEnd` and `moveReservation` write the reservation before its slots). A
 * transaction that changes one reservation takes its row with that first write, or with
 * `lockReservationRow`. Two transactions that keep this order never wait on each other in a cycle.
 */
export async function lockReservationRows(
  trx: Transaction<Database>,
  ids: readonly string[],
): Promise<{ id: string; state: string }[]> {
  if (ids.length === 0) return [];
  return trx
    .selectFrom("reservations")
    .select(["id", "state"])
    .where("id", "in", [...new Set(ids)])
    .orderBy("id")
    .forUpdate()
    .execute();
}

/**
 * Inserts one reservation that is not a booking (a maintenance window) and one slot row per node
 * it holds; the exclusion constraint has the last word. Bookings are written by `insertBookings`
 * (new-bookings.ts), with their audit entries and events.
 */
export async function insertReservation(
  trx: Transaction<Database>,
  rec: NewReservationRecord,
): Promise<ReservationRow> {
  const r = rec.reservation;
  // One statement, one round trip: the reservation, its slot rows and its usage row as
  // data-modifying CTEs. The exclusion constraint on the slot rows still aborts it (23P01), and the
  // slot rows' foreign key is checked at the statement's end, when the reservation row exists.
  const slots = slotRows(r.id, r.placement, r.start, r.end);
  const { alternative: _none, ...row } = newReservationRow(rec);
  const withReservation = trx.with("r", (db) =>
    db
      .insertInto("reservations")
      .values({
        ...row,
        placement: JSON.stringify(row.placement),
      })
      .returningAll(),
  );
  const withUsage = withReservation.with("u", (db) =>
    db.insertInto("usage").values({
      reservation_id: r.id,
      gpu_seconds_booked: bookedGpuSeconds(r, r),
      gpu_seconds_used: 0,
      updated_at: new Date(r.bookedAt),
    }),
  );
  if (slots.length === 0) return withUsage.selectFrom("r").selectAll().executeTakeFirstOrThrow();
  return withUsage
    .with("s", (db) => db.insertInto("reservation_slots").values(slots))
    .selectFrom("r")
    .selectAll()
    .executeTakeFirstOrThrow();
}

/** Ends a reservation's hold: frees its slots and records the terminal state and why. */
export async function endReservation(
  trx: Transaction<Database>,
  id: string,
  state: Exclude<StoredReservationState, "confirmed">,
  at: Millis,
  extra: { displacedBy?: string; reason?: string; alternative?: AlternativeJson | null } = {},
): Promise<void> {
  // The row before its slots (the lock order above `lockReservationRows`).
  await trx
    .updateTable("reservations")
    .set({
      state,
      ended_at: new Date(at),
      displaced_by: extra.displacedBy ?? null,
      reason: extra.reason ?? null,
      alternative: extra.alternative ? JSON.stringify(extra.alternative) : null,
    })
    .where("id", "=", id)
    .execute();
  await trx.deleteFrom("reservation_slots").where("reservation_id", "=", id).execute();
}

/** Moves a reservation's end, keeping its placement; a clash with another hold raises 23P01. */
export async function setReservationEnd(trx: Transaction<Database>, row: ReservationRow, end: Millis) {
  // The row before its slots (the lock order above `lockReservationRows`).
  await trx
    .updateTable("reservations")
    .set({ end_at: new Date(end) })
    .where("id", "=", row.id)
    .execute();
  await trx
    .updateTable("reservation_slots")
    .set({ during: sql<string>`tstzrange(lower(during), ${new Date(end).toISOString()}::timestamptz, '[)')` })
    .where("reservation_id", "=", row.id)
    .execute();
  await trx
    .updateTable("usage")
    .set({
      gpu_seconds_booked: bookedGpuSeconds(
        { nodes: row.nodes, gpusPerNode: row.gpus_per_node },
        { start: row.start_at.getTime(), end },
      ),
      updated_at: new Date(),
    })
    .where("reservation_id", "=", row.id)
    .execute();
}

export interface ReservationFilter {
  readonly team?: string | undefined;
  readonly pool?: string | undefined;
  readonly state?: string | undefined;
  readonly from?: Millis | undefined;
  readonly to?: Millis | undefined;
  /** Exclusive lower bound on `seq` (the cursor). */
  readonly afterSeq?: string | undefined;
  readonly limit: number;
}

export async function listReservationRows(db: Handle, f: ReservationFilter, now: Millis) {
  let q = db.selectFrom("reservations").selectAll();
  if (f.team) q = q.where("team", "=", f.team);
  if (f.pool) q = q.where("pool", "=", f.pool);
  if (f.from !== undefined) q = q.where("end_at", ">", new Date(f.from));
  if (f.to !== undefined) q = q.where("start_at", "<", new Date(f.to));
  const n = new Date(now);
  switch (f.state) {
    case undefined:
      break;
    case "confirmed":
      q = q.where("state", "=", "confirmed").where("start_at", ">", n);
      break;
    case "active":
      q = q.where("state", "=", "confirmed").where("start_at", "<=", n).where("end_at", ">", n);
      break;
    case "completed":
      q = q.where((eb) =>
        eb.or([
          eb("state", "=", "completed"),
          eb.and([eb("state", "=", "confirmed"), eb("end_at", "<=", n)]),
        ]),
      );
      break;
    default:
      q = q.where("state", "=", f.state as StoredReservationState);
  }
  if (f.afterSeq) q = q.where("seq", ">", f.afterSeq as never);
  return q
    .orderBy("seq")
    .limit(f.limit + 1)
    .execute();
}

// --- reads of the access and inventory services ---------------------------------------------

/**
 * The reservations of one team or one pool in the given states whose window overlaps `window`, by
 * start: a quota week's report (a team's held and finished bookings), the timeline (a pool's held,
 * finished and released ones), a maintenance window (a pool's held ones).
 */
export async function listReservationsOverlapping(
  db: Handle,
  of: { readonly team: string } | { readonly pool: string },
  states: readonly StoredReservationState[],
  window: { readonly start: Millis; readonly end: Millis },
): Promise<ReservationRow[]> {
  return db
    .selectFrom("reservations")
    .selectAll()
    .where("team" in of ? "team" : "pool", "=", "team" in of ? of.team : of.pool)
    .where("state", "in", [...states])
    .where("end_at", ">", new Date(window.start))
    .where("start_at", "<", new Date(window.end))
    .orderBy("start_at")
    .execute();
}

/** Every booking of a pool that held GPUs at some time in a window, with how and when it ended. */
export async function listPoolWindowsOverlapping(
  db: Handle,
  pool: string,
  window: { readonly start: Millis; readonly end: Millis },
) {
  return db
    .selectFrom("reservations")
    .select(["nodes", "gpus_per_node", "start_at", "end_at", "ended_at", "state"])
    .where("pool", "=", pool)
    .where("state", "in", ["confirmed", "completed", "released", "cancelled", "displaced"])
    .where("end_at", ">", new Date(window.start))
    .where("start_at", "<", new Date(window.end))
    .execute();
}

// --- writes of the booking service ------------------------------------------------------------

/**
 * Marks a held reservation displaced; false when it is no longer held (another booking took it
 * since the snapshot was read: the caller decides again on a fresh one).
 */
export async function markDisplacedIfHeld(trx: Transaction<Database>, id: string): Promise<boolean> {
  const res = await trx
    .updateTable("reservations")
    .set({ state: "displaced" })
    .where("id", "=", id)
    .where("state", "=", "confirmed")
    .executeTakeFirst();
  return res.numUpdatedRows > 0n;
}

// ---- What the scheduling loop reads and writes (src/services/scheduling). ----

export interface CycleReservationQuery {
  /** Confirmed reservations starting before this are read. */
  readonly startsBefore: Millis;
  /** Reservations read whatever their start and state (jobs run on them or belong to them). */
  readonly ids: readonly string[];
  /** Nodes that are down: the confirmed reservations holding slots on them are read too. */
  readonly downNodes: readonly string[];
  /** When given, the `startsBefore` part reads only these pools. */
  readonly pools?: readonly string[];
}

/** The reservations one scheduling cycle plans with, by id. */
export async function loadCycleReservationRows(
  db: Handle,
  q: CycleReservationQuery,
): Promise<ReservationRow[]> {
  const ids = [...q.ids];
  const down = [...q.downNodes];
  return db
    .selectFrom("reservations")
    .selectAll()
    .where((eb) =>
      eb.or([
        eb.and([
          eb("state", "=", "confirmed"),
          eb("start_at", "<", new Date(q.startsBefore)),
          ...(q.pools ? [eb("pool", "in", q.pools.length > 0 ? [...q.pools] : [""])] : []),
        ]),
        ...(ids.length > 0 ? [eb("id", "in", ids)] : []),
        ...(down.length > 0
          ? [
              eb.and([
                eb("state", "=", "confirmed"),
                eb(
                  "id",
                  "in",
                  eb.selectFrom("reservation_slots").select("reservation_id").where("node", "in", down),
                ),
              ]),
            ]
          : []),
      ]),
    )
    .orderBy("id")
    .execute();
}

/** Records that a reservation's start was handled, once: what it holds comes back the first time only. */
export async function markReservationStarted(trx: Transaction<Database>, id: string, at: Millis) {
  return trx
    .updateTable("reservations")
    .set({ started_at: new Date(at) })
    .where("id", "=", id)
    .where("started_at", "is", null)
    .returning(["team", "pool", "placement"])
    .executeTakeFirst();
}

/** A held reservation that reached its end completes (ended at its end); its team comes back the first time only. */
export async function completeReservation(
  trx: Transaction<Database>,
  id: string,
): Promise<string | undefined> {
  const row = await trx
    .updateTable("reservations")
    .set({ state: "completed", ended_at: sql<Date>`end_at` })
    .where("id", "=", id)
    .where("state", "=", "confirmed")
    .returning(["team"])
    .executeTakeFirst();
  return row?.team;
}

/** Moves a reservation to another placement over its same window (its slot rows follow). */
export async function moveReservation(
  trx: Transaction<Database>,
  row: ReservationRow,
  placement: Placement,
): Promise<void> {
  // The row before its slots (the lock order above `lockReservationRows`).
  await trx
    .updateTable("reservations")
    .set({ placement: JSON.stringify(placement) })
    .where("id", "=", row.id)
    .execute();
  await trx.deleteFrom("reservation_slots").where("reservation_id", "=", row.id).execute();
  const slots = slotRows(row.id, placement, row.start_at.getTime(), row.end_at.getTime());
  try {
    if (slots.length > 0) await trx.insertInto("reservation_slots").values(slots).execute();
  } catch (err) {
    // The exclusion constraint: another booking holds some of the new slots (`slot-taken`).
    throw translateSqlError(err);
  }
}

/**
 * Bookings held since `startedBy` or earlier and not over at `now`, none of whose jobs was ever
 * admitted: the no-show candidates.
 */
export async function listNoShowReservations(db: Handle, startedBy: Millis, now: Millis) {
  return db
    .selectFrom("reservations as r")
    .select(["r.id", "r.team", "r.nodes", "r.gpus_per_node", "r.start_at", "r.end_at"])
    .where("r.state", "=", "confirmed")
    .where("r.kind", "=", "booking")
    .where("r.start_at", "<=", new Date(startedBy))
    .where("r.end_at", ">", new Date(now))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("jobs as j")
            .select("j.id")
            .whereRef("j.reservation_id", "=", "r.id")
            .where((eb) =>
              eb.or([
                eb("j.attempts", ">", 0),
                eb("j.state", "in", ["admitted", "running", "succeeded", "failed"]),
              ]),
            ),
        ),
      ),
    )
    .execute();
}

/** The earliest start after `after` among held bookings (null when none). */
export async function earliestBookingStartAfter(db: Handle, after: Millis): Promise<Millis | null> {
  const row = await db
    .selectFrom("reservations")
    .select((eb) => eb.fn.min("start_at").as("t"))
    .where("state", "=", "confirmed")
    .where("kind", "=", "booking")
    .where("start_at", ">", new Date(after))
    .executeTakeFirst();
  return row?.t ? new Date(row.t as Date).getTime() : null;
}
