// Admin maintenance windows: a reservation of a whole node (kind `maintenance`) that nobody can book
// over. Future bookings on the node in the window are displaced (an admin decision, whatever their
// priority); a window that would cut into a booking already running, or into another maintenance
// window of the node, is refused, the admin cancels or changes that first. While the window is active the scheduling cycle treats the node as lost.
import { appendAudit } from "../../adapters/db/repos/audit.ts";
import { appendEvent } from "../../adapters/db/repos/events.ts";
import { getNodeRow } from "../../adapters/db/repos/nodes.ts";
import {
  endReservation,
  insertReservation,
  listReservationsOverlapping,
  lockReservationRows,
} from "../../adapters/db/repos/reservations.ts";
import { ensureTeam } from "../../adapters/db/repos/teams.ts";
import { DomainError, invalid } from "../../basics/domain-error.ts";
import { newId } from "../../basics/ids.ts";
import { MAINTENANCE_REASON } from "../../core/displacement-wording.ts";
import { gpuHoursAhead, onGrid } from "../../core/index.ts";
import type { Millis, Reservation } from "../../core/types.ts";
import { inLockedTransaction, poolLockKey } from "../booking/transactions.ts";
import { isAdmin, type Principal, type ServiceContext } from "../context.ts";
import { answerWithWrite } from "../idempotent-answers.ts";
import { offerAlternative } from "../scheduling/alternative-offer.ts";
import { reservationView } from "../views.ts";

export const MAINTENANCE_TEAM = "berth-maintenance";

export async function scheduleMaintenance(
  ctx: ServiceContext,
  by: Principal,
  req: { node: string; start: Millis; end: Millis; reason?: string | undefined },
) {
  if (!isAdmin(by)) throw new DomainError("forbidden", "only an admin may schedule maintenance");
  const node = await getNodeRow(ctx.db, req.node);
  const now = ctx.clock.now();
  const errors = [];
  if (!node) errors.push({ field: "node", message: `unknown node "${req.node}"` });
  if (!onGrid(req.start, ctx.rules.gridMs) || !onGrid(req.end, ctx.rules.gridMs)) {
    errors.push({
      field: "start",
      message: `start and end must lie on the ${ctx.rules.gridMs / 60_000} min grid`,
    });
  }
  if (req.end <= req.start) errors.push({ field: "end", message: "must be after start" });
  if (req.end <= now) errors.push({ field: "end", message: "lies in the past" });
  if (errors.length > 0 || !node) throw invalid(errors);
  const out = await inLockedTransaction(ctx, [poolLockKey(node.pool)], async (trx) => {
    await ensureTeam(trx, MAINTENANCE_TEAM);
    const overlapping = await listReservationsOverlapping(trx, { pool: node.pool }, ["confirmed"], {
      start: req.start,
      end: req.end,
    });
    const onNode = overlapping.filter((r) => r.placement.some((p) => p.node === node.name));
    // Maintenance never displaces maintenance: both are an admin's decision about the node, and a
    // window displaced would leave the node in service when someone planned it out. The admin
    // changes or cancels the window already there.
    const windows = onNode.filter((r) => r.kind === "maintenance");
    if (windows.length > 0) {
      const list = windows
        .map((w) => `${w.id} ("${w.title}", ${w.start_at.toISOString()} to ${w.end_at.toISOString()})`)
        .join(", ");
      throw new DomainError(
        "invalid-state",
        `node ${node.name} already has maintenance in that time: ${list}; maintenance never displaces maintenance, so change or cancel that window instead`,
        {
          holders: windows.map((r) => ({ reservation: r.id, team: r.team, priority: r.priority })),
          errors: [
            { field: "start", message: `overlaps maintenance window ${windows[0]!.id} on ${node.name}` },
          ],
        },
      );
    }
    const running = onNode.filter((r) => r.start_at.getTime() <= now);
    if (running.length > 0) {
      throw new DomainError(
        "invalid-state",
        `node ${node.name} is held by reservations already running: cancel them first`,
        {
          holders: running.map((r) => ({ reservation: r.id, team: r.team, priority: r.priority })),
        },
      );
    }
    const id = newId("m");
    // Their rows before any write (the lock order of repos/reservations.ts); one a cancel ended
    // meanwhile stays as it is.
    const held = new Set(
      (
        await lockReservationRows(
          trx,
          onNode.map((r) => r.id),
        )
      )
        .filter((r) => r.state === "confirmed")
        .map((r) => r.id),
    );
    const window: Reservation = {
      id,
      team: MAINTENANCE_TEAM,
      pool: node.pool,
      nodes: 1,
      gpusPerNode: node.gpus,
      start: req.start,
      end: req.end,
      priority: "critical",
      bookedAt: now,
      state: "confirmed",
      placement: [{ node: node.name, gpus: Array.from({ length: node.gpus }, (_, i) => i) }],
    };
    const displaced = new Set(onNode.map((r) => r.id));
    for (const r of onNode.filter((x) => held.has(x.id))) {
      // Offered around the window and the other bookings it displaces.
      const alternative = await offerAlternative(trx, ctx.rules, r, now, {
        without: displaced,
        plus: [window],
      });
      await endReservation(trx, r.id, "displaced", now, {
        displacedBy: id,
        reason: MAINTENANCE_REASON,
        alternative,
      });
      await appendAudit(trx, {
        at: now,
        actor: by.name,
        action: "displace",
        team: r.team,
        reservationId: r.id,
        reason: `maintenance of ${node.name}`,
        lostGpuHours: gpuHoursAhead(
          { nodes: r.nodes, gpusPerNode: r.gpus_per_node },
          { start: r.start_at.getTime(), end: r.end_at.getTime() },
          now,
        ),
        detail: { by: id, alternative },
      });
      await appendEvent(trx, now, "reservation.displaced", r.team, {
        reservation: r.id,
        team: r.team,
        by: id,
        reason: MAINTENANCE_REASON,
        alternative,
      });
    }
    const row = await insertReservation(trx, {
      reservation: window,
      title: req.reason ?? `maintenance of ${node.name}`,
      kind: "maintenance",
      bookedBy: by.name,
      recurrenceId: null,
    });
    await appendAudit(trx, {
      at: now,
      actor: by.name,
      action: "maintenance",
      reservationId: id,
      reason: req.reason ?? null,
      detail: { node: node.name },
    });
    const answer = { ...reservationView(row, now), displaced: onNode.map((r) => r.id) };
    // The answer commits with the window: a retry after a crash finds it instead of a second one.
    await answerWithWrite(trx, 201, answer);
    return answer;
  });
  ctx.changed();
  return out;
}
