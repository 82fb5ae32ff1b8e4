// The append-only audit log: who did what to which reservation or job, when, why, GPU-hours lost.
import type { Transaction } from "kysely";
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
