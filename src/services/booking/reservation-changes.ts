// Changes to a booked reservation: cancelling it, moving its end. Each is one transaction on the
// reservation's locked row; a longer end is checked against the team's quota as a booking of the
// added time would be.
import { toReservation } from "../../adapters/db/mappers.ts";
import { appendAudit } from "../../adapters/db/repos/audit.ts";
import { appendEvent } from "../../adapters/db/repos/events.ts";
import { loadInventory } from "../../adapters/db/repos/inventory.ts";
import {
  endReservation,
  getReservationRow,
  listReservationsOverlapping,
  loadQuotaRows,
  lockReservationRow,
  setReservationEnd,
} from "../../adapters/db/repos/reservations.ts";
import { getTeamRow } from "../../adapters/db/repos/teams.ts";
import type { ReservationRow } from "../../adapters/db/tables.ts";
import { DomainError, invalid, notFound } from "../../basics/domain-error.ts";
import {
  asCountedByQuota,
  checkQuota,
  extensionConflict,
  gpuHoursAhead,
  quotaOf,
  quotaReads,
  validateBookingRequest,
} from "../../core/index.ts";
import type { Millis } from "../../core/types.ts";
import { isAdmin, type Principal, type ServiceContext } from "../context.ts";
import { iso, reservationView } from "../views.ts";
import { inLockedTransaction, poolLockKey, teamLockKey } from "./transactions.ts";

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
    const unused = gpuHoursAhead(
      { nodes: row.nodes, gpusPerNode: row.gpus_per_node },
      { start: row.start_at.getTime(), end: row.end_at.getTime() },
      now,
    );
    // Its running jobs are signalled by the next cycle and requeued as opportunistic work once their
    // GPUs are free (docs/rules.md §4); the cycle runs right after this commit.
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
      const quota = quotaOf(teamRow.quota, teamRow.max_gpus);
      // The team's rows its quota reads for the added time (as for a booking). Its finished
      // bookings count; the reservation itself is among them and counts with its current window:
      // the request is only the added time, which that window does not overlap.
      const reads = quotaReads(row.team, quota, { start: current.end, end }, now);
      const rows = await loadQuotaRows(trx, now, reads ? [reads] : []);
      const held = rows.map((r) => asCountedByQuota(toReservation(r, now)));
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
    if (end > current.end) {
      // The constraint would refuse a clash without saying with whom: name them first, under the
      // pool's lock, with the longest end that fits.
      const around = await listReservationsOverlapping(trx, { pool: row.pool }, ["confirmed"], {
        start: current.end,
        end,
      });
      const conflict = extensionConflict(
        current,
        end,
        around.map((r) => toReservation(r, now)),
        ctx.rules.gridMs,
      );
      if (conflict)
        throw new DomainError("slot-taken", `the slots of ${id} are held by others before ${iso(end)}`, {
          suggestions: conflict.suggestions.map((s) => ({ ...s, start: iso(s.start), end: iso(s.end) })),
          holders: conflict.holders,
        });
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
