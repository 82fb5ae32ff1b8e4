// GET /audit: the append-only history, oldest first, a page at a time (admins: everything; members:
// their own team's entries, never the unbound admin actions).
import { type AuditFilter, listAudit } from "../../adapters/db/repos/audit.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { visibleTeam } from "./visible-team.ts";

/** The repository's filter, with times and the cursor as the API gives them. */
export type AuditQuery = Omit<AuditFilter, "from" | "to" | "afterId"> & {
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly cursor?: string | undefined;
};

export async function auditHistory(ctx: ServiceContext, by: Principal, q: AuditQuery) {
  const rows = await listAudit(ctx.db, {
    team: visibleTeam(by, q.team),
    reservation: q.reservation,
    job: q.job,
    from: q.from ? new Date(q.from) : undefined,
    to: q.to ? new Date(q.to) : undefined,
    afterId: q.cursor,
    limit: q.limit,
  });
  const items = rows.map((r) => ({
    id: r.id,
    at: r.at.toISOString(),
    actor: r.actor,
    action: r.action,
    team: r.team,
    reservation: r.reservation_id,
    job: r.job_id,
    reason: r.reason,
    lostGpuHours: r.lost_gpu_hours,
    detail: r.detail,
  }));
  return rows.length === q.limit ? { items, nextCursor: rows.at(-1)!.id } : { items };
}
