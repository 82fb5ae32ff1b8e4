// A train job submitted with `validate: true` queues its FP16-vs-FP32 validation job when it
// succeeds (issue 5 §1): one GPU, the same team, pool and priority, and the same reservation while
// that reservation still holds slots (else it runs as opportunistic work, like any job whose
// reservation ended). Runs inside the transaction that records the success, so the follow-up is
// never lost nor queued twice (its id is deterministic and the primary key refuses a second one).
import type { Transaction } from "kysely";
import { appendEvent } from "../../adapters/db/repos/events.ts";
import { insertQueuedJobOnce } from "../../adapters/db/repos/jobs.ts";
import { getReservationRow } from "../../adapters/db/repos/reservations.ts";
import type { Database, JobRow } from "../../adapters/db/tables.ts";
import { trainingExports } from "../../yolo/train-job.ts";
import { validationJobId } from "../../yolo/validate-job.ts";

export async function queueValidationAfterTraining(
  trx: Transaction<Database>,
  train: JobRow,
  at: Date,
): Promise<string | null> {
  const spec = (typeof train.spec === "string" ? JSON.parse(train.spec) : train.spec) as Record<
    string,
    unknown
  >;
  if (train.kind !== "train" || spec.validate !== true || typeof spec.validationData !== "string")
    return null;
  const id = validationJobId(train.id);
  let reservation = train.reservation_id;
  if (reservation) {
    const r = await getReservationRow(trx, reservation);
    if (r?.state !== "confirmed" || r.end_at.getTime() <= at.getTime()) reservation = null;
  }
  const inserted = await insertQueuedJobOnce(trx, {
    id,
    kind: "validate",
    team: train.team,
    pool: train.pool,
    gpus: 1,
    priority: train.priority,
    reservation,
    spec: { ...trainingExports(train.team, train.id), data: spec.validationData },
    submittedAt: at.getTime(),
    submittedBy: train.submitted_by,
  });
  if (!inserted) return null;
  await appendEvent(trx, at.getTime(), "job.queued", train.team, {
    job: id,
    team: train.team,
    reservation,
    after: train.id,
  });
  return id;
}
