// The append-only audit log: who did what to which reservation or job, when, why, GPU-hours lost.
import type { Kysely, Transaction } from "kysely";
import type { Millis } from "../../../core/types.ts";
import type { Database } from "../tables.ts";

export interface AuditEntry {
  readonly at: Millis;
  readonly actor: string;
  readonly action: string;
  readonly team?: string | null;
  readonly reservationId?: string | null;
  readonly jobId?: string | null;
  readonly reason?: string | null;
  readonly lostGpuHours?: number;
  readonly detail?: Record<string, unknown>;
}

export async function appendAudit(trx: Transaction<Database>, e: AuditEntry): Promise<void> {
  await trx
    .insertInto("audit_log")
    .values({
      at: new Date(e.at),
      actor: e.actor,
      action: e.action,
      team: e.team ?? null,
      reservation_id: e.reservationId ?? null,
      job_id: e.jobId ?? null,
      reason: e.reason ?? null,
      lost_gpu_hours: e.lostGpuHours ?? 0,
      detail: JSON.stringify(e.detail ?? {}),
    })
    .execute();
}

export interface AuditRecord {
  readonly id: string;
  readonly at: Date;
  readonly actor: string;
  readonly action: string;
  readonly team: string | null;
  readonly reservation_id: string | null;
  readonly job_id: string | null;
  readonly reason: string | null;
  readonly lost_gpu_hours: number;
  readonly detail: Record<string, unknown>;
}

export interface AuditFilter {
  readonly team?: string | undefined;
  readonly reservation?: string | undefined;
  readonly job?: string | undefined;
  readonly from?: Date | undefined;
  readonly to?: Date | undefined;
  /** Entries after this id (the previous page's last). */
  readonly afterId?: string | undefined;
  readonly limit: number;
}

/** Entries oldest first: appends never shift a page already read. */
export async function listAudit(db: Kysely<Database>, f: AuditFilter): Promise<AuditRecord[]> {
  let q = db.selectFrom("audit_log").selectAll();
  if (f.team !== undefined) q = q.where("team", "=", f.team);
  if (f.reservation !== undefined) q = q.where("reservation_id", "=", f.reservation);
  if (f.job !== undefined) q = q.where("job_id", "=", f.job);
  if (f.from !== undefined) q = q.where("at", ">=", f.from);
  if (f.to !== undefined) q = q.where("at", "<", f.to);
  if (f.afterId !== undefined) q = q.where("id", ">", f.afterId as never);
  return q.orderBy("id").limit(f.limit).execute();
}
