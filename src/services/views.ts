// Domain rows -> the JSON the API returns (docs/rules.md §4): ISO times, derived states.
import { reservationState } from "../adapters/db/mappers.ts";
import type { JobRow, ReservationRow } from "../adapters/db/tables.ts";
import { displacementText } from "../core/displacement-wording.ts";
import type { Millis } from "../core/types.ts";

export const iso = (t: Millis | Date) => new Date(t).toISOString();

export function reservationView(row: ReservationRow, now: Millis) {
  return {
    id: row.id,
    team: row.team,
    pool: row.pool,
    nodes: row.nodes,
    gpusPerNode: row.gpus_per_node,
    start: iso(row.start_at),
    end: iso(row.end_at),
    priority: row.priority,
    state: reservationState(row, now),
    kind: row.kind,
    title: row.title,
    placement: row.placement,
    bookedAt: iso(row.booked_at),
    bookedBy: row.booked_by,
    ...(row.recurrence_id ? { recurrence: row.recurrence_id } : {}),
    ...(row.displaced_by ? { displacedBy: row.displaced_by } : {}),
    ...(row.reason ? { reason: row.reason } : {}),
    // Why it was displaced, worded as the events and the web UI word it.
    ...(row.state === "displaced" ? { reasonText: displacementText(row.reason ?? undefined) } : {}),
    ...(row.state === "displaced" ? { alternative: row.alternative } : {}),
    ...(row.ended_at ? { endedAt: iso(row.ended_at) } : {}),
  };
}

export type ReservationView = ReturnType<typeof reservationView>;

export function jobView(row: JobRow) {
  return {
    id: row.id,
    kind: row.kind,
    team: row.team,
    pool: row.pool,
    gpus: row.gpus,
    priority: row.priority,
    reservation: row.reservation_id,
    spec: row.spec,
    state: row.state,
    attempts: row.attempts,
    placement: row.placement,
    submittedAt: iso(row.submitted_at),
    submittedBy: row.submitted_by,
    updatedAt: iso(row.updated_at),
    ...(row.finished_at ? { finishedAt: iso(row.finished_at) } : {}),
    ...(row.reason ? { reason: row.reason } : {}),
    ...(row.retry_at && row.state === "queued" ? { retryAt: iso(row.retry_at) } : {}),
    source: row.source,
    ...(row.kube_namespace && row.kube_name
      ? { kubernetes: { namespace: row.kube_namespace, name: row.kube_name } }
      : {}),
  };
}
