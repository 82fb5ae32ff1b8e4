// What a train job's success leads to, in the transaction that records it (so it is never lost nor
// done twice): its FP32 and FP16 exports become a model version of its team (named after its
// model, versioned by the job), and, when it asked with `validate: true`, that version's A/B check
// is queued on the pool it trained on, its one-GPU validation job in the same reservation while
// that reservation still holds slots (else opportunistic, like any job whose reservation ended).
import { posix } from "node:path";
import type { Transaction } from "kysely";
import { insertModelUnlessTaken } from "../../adapters/db/repos/models.ts";
import { getPool } from "../../adapters/db/repos/pools.ts";
import { getReservationRow } from "../../adapters/db/repos/reservations.ts";
import type { Database, JobRow } from "../../adapters/db/tables.ts";
import { newId } from "../../basics/ids.ts";
import { trainingExports } from "../../yolo/train-job.ts";
import { validationJobId } from "../../yolo/validate-job.ts";
import { abCheckSpec, queueAbCheck } from "./ab-checks.ts";

/** `yolov8n.yaml` and `weights/base.pt` name their models `yolov8n` and `base`. */
function modelName(model: unknown): string {
  const base = posix.basename(typeof model === "string" ? model : "model");
  return base.replace(/\.(ya?ml|pt)$/, "") || "model";
}

async function reservationStillHeld(trx: Transaction<Database>, id: string | null, at: Date) {
  if (!id) return null;
  const r = await getReservationRow(trx, id);
  return r?.state === "confirmed" && r.end_at.getTime() > at.getTime() ? id : null;
}

/** The model version registered and the validation job queued (null when none was asked for). */
export async function afterTraining(
  trx: Transaction<Database>,
  train: JobRow,
  at: Date,
): Promise<{ model: string; validation: string | null } | null> {
  if (train.kind !== "train") return null;
  const spec = train.spec;
  const model = { id: newId("m"), team: train.team };
  const artifacts = trainingExports(train.team, train.id);
  const registered = await insertModelUnlessTaken(trx, {
    ...model,
    name: modelName(spec.model),
    version: train.id,
    artifacts,
    trainedBy: train.id,
    trainingPool: train.pool,
  });
  // Someone registered this name and version by hand: theirs stands, and nothing is checked.
  if (!registered) return null;
  const pool = await getPool(trx, train.pool);
  if (spec.validate !== true || typeof spec.validationData !== "string" || !pool)
    return { model: model.id, validation: null };
  const check = await queueAbCheck(trx, {
    job: validationJobId(train.id),
    model,
    spec: abCheckSpec({ id: model.id, artifacts }, spec.validationData),
    pool,
    data: spec.validationData,
    priority: train.priority,
    reservation: await reservationStillHeld(trx, train.reservation_id, at),
    submittedBy: train.submitted_by,
    graceSeconds: train.grace_seconds,
    at: at.getTime(),
  });
  return { model: model.id, validation: check?.job_id ?? null };
}
