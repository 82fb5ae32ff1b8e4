// The one write of new bookings, a batch's or a single booking's (a batch of one, or of a recurring
// series' occurrences), in one statement: for each, the reservation, its slot rows, its usage
// row, its `book` audit entry and its `reservation.created` event with the webhook deliveries that
// event owes, and the Idempotency-Key answer of the request that asked for it, if it carries a
// key (so a booking and its answer commit together). One statement instead of four per booking is what lets a burst of bookings commit
// together. The exclusion constraint on slot rows has the last word: any clash aborts the whole
// statement with 23P01. Displacements are written apart, before it (services/booking/booking.ts).
import { type Kysely, sql } from "kysely";
import type { Millis, Placement, Reservation } from "../../../core/types.ts";
import { gpuSet, tstzrange } from "../mappers.ts";
import { preparedAs } from "../prepared-statements.ts";
import type { Database } from "../tables.ts";
import { webhookFanOut } from "./events.ts";
import type { StoredAnswer } from "./idempotency-keys.ts";

export interface BookingRecord {
  readonly reservation: Reservation;
  readonly title: string;
  readonly bookedBy: string;
  readonly recurrenceId: string | null;
  /** GPU-seconds its usage row says it booked (src/core/gpu-hours.ts). */
  readonly gpuSeconds: number;
  readonly audit: Record<string, unknown>;
  readonly event: Record<string, unknown>;
  /** The Idempotency-Key answer to store with the booking (one per request: on its first record). */
  readonly answer?: ({ tokenId: string; key: string } & StoredAnswer) | undefined;
}

/** Inserts every record in order (event ids follow it); returns how many webhook deliveries it queued. */
export async function insertBookings(
  db: Kysely<Database>,
  at: Millis,
  records: readonly BookingRecord[],
): Promise<{ deliveries: number }> {
  const input = records.map((rec, ord) => {
    const r = rec.reservation;
    return {
      ord,
      id: r.id,
      team: r.team,
      pool: r.pool,
      nodes: r.nodes,
      gpus_per_node: r.gpusPerNode,
      start_at: new Date(r.start).toISOString(),
      end_at: new Date(r.end).toISOString(),
      priority: r.priority,
      title: rec.title,
      placement: r.placement,
      slots: slotRows(r.id, r.placement, r.start, r.end),
      booked_by: rec.bookedBy,
      recurrence_id: rec.recurrenceId,
      gpu_seconds: rec.gpuSeconds,
      audit: rec.audit,
      event: rec.event,
      answer: rec.answer ?? null,
    };
  });
  const now = new Date(at).toISOString();
  const result = await sql<{ deliveries: string }>`${preparedAs("berth_insert_bookings")}
    WITH input AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(input)}::jsonb) AS x(
        ord int, id text, team text, pool text, nodes int, gpus_per_node int,
        start_at timestamptz, end_at timestamptz, priority text, title text, placement jsonb, slots jsonb,
        booked_by text, recurrence_id text, gpu_seconds double precision, audit jsonb, event jsonb,
        answer jsonb)
    ),
    r AS (
      INSERT INTO reservations (id, team, pool, nodes, gpus_per_node, start_at, end_at, priority, state,
                                kind, title, placement, booked_at, booked_by, recurrence_id)
      SELECT id, team, pool, nodes, gpus_per_node, start_at, end_at, priority, 'confirmed',
             'booking', title, placement, ${now}::timestamptz, booked_by, recurrence_id
      FROM input ORDER BY ord
    ),
    u AS (
      INSERT INTO usage (reservation_id, gpu_seconds_booked, gpu_seconds_used, updated_at)
      SELECT id, gpu_seconds, 0, ${now}::timestamptz FROM input
    ),
    s AS (
      INSERT INTO reservation_slots (reservation_id, node, gpus, during)
      SELECT i.id, s.value ->> 'node', (s.value ->> 'gpus')::int4multirange, (s.value ->> 'during')::tstzrange
      FROM input i, jsonb_array_elements(i.slots) AS s(value)
    ),
    a AS (
      INSERT INTO audit_log (at, actor, action, team, reservation_id, detail)
      SELECT ${now}::timestamptz, booked_by, 'book', team, id, audit FROM input ORDER BY ord
    ),
    e AS (
      INSERT INTO events (at, type, team, data)
      SELECT ${now}::timestamptz, 'reservation.created', team, event FROM input ORDER BY ord
      RETURNING id, type, team
    ),
    d AS (${webhookFanOut(now)}),
    k AS (
      INSERT INTO idempotency_keys (token_id, key, request_hash, status, body)
      SELECT answer ->> 'tokenId', answer ->> 'key', answer ->> 'requestHash', (answer ->> 'status')::int,
             (answer ->> 'body')::jsonb
      FROM input WHERE answer IS NOT NULL
    )
    SELECT count(*) AS deliveries FROM d`.execute(db);
  return { deliveries: Number(result.rows[0]?.deliveries ?? 0) };
}

/** A reservation's slot rows: one per node of its placement, holding that node's GPU ordinals. */
export function slotRows(id: string, placement: Placement, start: Millis, end: Millis) {
  const during = tstzrange(start, end);
  return placement
    .filter((ns) => ns.gpus.length > 0)
    .map((ns) => ({ reservation_id: id, node: ns.node, gpus: gpuSet(ns.gpus), during }));
}
