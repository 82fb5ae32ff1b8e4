// FP16-vs-FP32 A/B checks run and judged by Berth. Asking for one queues a one-GPU `validate` job
// on the model's exports; when that job ends, its report (a pod's termination summary, or a local
// run's whole report) is judged here by the gate (src/abcheck/report-judge.ts) and recorded in the
// transaction that records the job's end. A client's `passed` is never read: an admin may import a
// report run elsewhere, and Berth judges its numbers the same way.
import type { Transaction } from "kysely";
import { abNumbers, judgeAbNumbers } from "../../abcheck/report-judge.ts";
import {
  type AbCheckRow,
  type AbVerdictRecord,
  type Fp16Arithmetic,
  getAbCheckRow,
  insertAbCheck,
  listAbCheckRows,
  lockAbCheckOfJob,
  markAbCheckRunning,
  recordAbVerdict,
} from "../../adapters/db/repos/ab-checks.ts";
import { appendEvent } from "../../adapters/db/repos/events.ts";
import { loadInventory } from "../../adapters/db/repos/inventory.ts";
import { insertQueuedJobOnce } from "../../adapters/db/repos/jobs.ts";
import { getModelRow, type ModelRow } from "../../adapters/db/repos/models.ts";
import { getPool } from "../../adapters/db/repos/pools.ts";
import type { Database } from "../../adapters/db/tables.ts";
import { DomainError, invalid, notFound } from "../../basics/domain-error.ts";
import { newId } from "../../basics/ids.ts";
import type { Millis, Pool } from "../../core/types.ts";
import { parseComputeCapability } from "../../yolo/precision-rules.ts";
import { isAdmin, type Principal, type ServiceContext } from "../context.ts";
import { answerWithWrite } from "../idempotent-answers.ts";
import { checkJobSpec } from "../scheduling/job-kinds/registry.ts";
import { iso } from "../views.ts";

export function abCheckView(c: AbCheckRow) {
  return {
    id: c.id,
    model: c.model_id,
    state: c.state,
    pool: c.pool,
    computeCapability: c.compute_capability,
    job: c.job_id,
    data: c.data,
    ...(c.report ? { report: c.report } : {}),
    reasons: c.reasons,
    unlocksFp16: c.unlocks_fp16,
    fp16Arithmetic: c.fp16_arithmetic,
    passed: c.passed,
    createdAt: iso(c.created_at),
    ...(c.finished_at ? { finishedAt: iso(c.finished_at) } : {}),
  };
}

export async function listAbChecks(ctx: ServiceContext, q: { model?: string | undefined }) {
  return (await listAbCheckRows(ctx.db, q)).map(abCheckView);
}

export async function getAbCheck(ctx: ServiceContext, id: string) {
  const row = await getAbCheckRow(ctx.db, id);
  if (!row) throw notFound(`A/B check ${id}`);
  return abCheckView(row);
}

export function mayActOnModel(by: Principal, team: string): void {
  if (isAdmin(by) || by.team === team) return;
  throw new DomainError("forbidden", `the model belongs to team ${team}`);
}

async function ownModel(ctx: ServiceContext, by: Principal, id: string): Promise<ModelRow> {
  const model = await getModelRow(ctx.db, id);
  if (!model) throw notFound(`model ${id}`);
  mayActOnModel(by, model.team);
  return model;
}

async function namedPool(ctx: ServiceContext, name: string): Promise<Pool> {
  const pool = await getPool(ctx.db, name);
  if (!pool) throw invalid([{ field: "pool", message: `unknown pool "${name}"` }]);
  return pool;
}

/** The pool a check runs on: the one named, else the model's training pool, else any of CC ≥ 7.0. */
async function checkPool(ctx: ServiceContext, model: ModelRow, named: string | undefined): Promise<Pool> {
  if (named !== undefined) return namedPool(ctx, named);
  if (model.training_pool) return namedPool(ctx, model.training_pool);
  const inv = await loadInventory(ctx.db);
  const withNodes = new Set(inv.nodes.map((n) => n.pool));
  const tensorCores = inv.pools.find(
    (p) => withNodes.has(p.name) && parseComputeCapability(p.computeCapability)[0] >= 7,
  );
  if (!tensorCores)
    throw invalid([
      { field: "pool", message: "no pool of compute capability 7.0 or more: name the pool to check on" },
    ]);
  return tensorCores;
}

/** The event a finished check emits, to the model's team. */
async function announce(
  trx: Transaction<Database>,
  at: Millis,
  team: string | null,
  check: { readonly id: string; readonly model: string },
  v: AbVerdictRecord,
) {
  await appendEvent(trx, at, "abcheck.completed", team, {
    check: check.id,
    model: check.model,
    team,
    state: v.state,
    passed: v.state === "passed",
    unlocksFp16: v.unlocksFp16,
    fp16Arithmetic: v.fp16Arithmetic,
    provider: typeof v.report?.provider === "string" ? v.report.provider : null,
  });
}

export interface AbCheckRequest {
  /** The validation set: COCO annotations.json and its images. */
  readonly data: string;
  readonly pool?: string | undefined;
}

/** Queues the check and the one-GPU validation job that runs it (202: it runs later). */
/** What queues a check: its validation job (deterministic for a training's follow-up) and where it runs. */
export interface AbCheckQueueing {
  readonly job: string;
  readonly model: { readonly id: string; readonly team: string };
  readonly spec: Record<string, unknown>;
  readonly pool: Pool;
  readonly data: string;
  readonly priority: string;
  readonly reservation: string | null;
  readonly submittedBy: string | null;
  readonly at: Millis;
  readonly graceSeconds: number;
}

/**
 * Queues the one-GPU validation job and the check waiting for it, in the caller's transaction. A
 * job id seen before queues nothing (a training's follow-up recorded twice): null then.
 */
export async function queueAbCheck(
  trx: Transaction<Database>,
  q: AbCheckQueueing,
): Promise<AbCheckRow | null> {
  const queued = await insertQueuedJobOnce(trx, {
    id: q.job,
    kind: "validate",
    team: q.model.team,
    pool: q.pool.name,
    gpus: 1,
    priority: q.priority,
    reservation: q.reservation,
    spec: q.spec,
    submittedAt: q.at,
    submittedBy: q.submittedBy,
    graceSeconds: q.graceSeconds,
  });
  if (!queued) return null;
  await appendEvent(trx, q.at, "job.queued", q.model.team, {
    job: q.job,
    team: q.model.team,
    reservation: q.reservation,
    model: q.model.id,
  });
  return insertAbCheck(trx, {
    id: newId("ab"),
    model: q.model.id,
    job: q.job,
    pool: q.pool.name,
    computeCapability: q.pool.computeCapability,
    data: q.data,
  });
}

/** The validate job's spec for a model's two exports, as its kind checks it. */
export function abCheckSpec(
  model: Pick<ModelRow, "id" | "artifacts">,
  data: string,
): Record<string, unknown> {
  const { fp32, fp16 } = model.artifacts;
  if (!fp32 || !fp16)
    throw invalid([
      { field: "model", message: `model ${model.id} has no FP16 export to compare with its FP32 one` },
    ]);
  return checkJobSpec("validate", { fp32, fp16, data });
}

/** Queues the check and the one-GPU validation job that runs it (202: it runs later). */
export async function requestAbCheck(
  ctx: ServiceContext,
  by: Principal,
  modelId: string,
  req: AbCheckRequest,
) {
  const model = await ownModel(ctx, by, modelId);
  const spec = abCheckSpec(model, req.data);
  const pool = await checkPool(ctx, model, req.pool);
  const row = await ctx.db.transaction().execute(async (trx) => {
    const queued = await queueAbCheck(trx, {
      job: newId("j"),
      model,
      spec,
      pool,
      data: req.data,
      priority: "normal",
      reservation: null,
      submittedBy: by.name,
      at: ctx.clock.now(),
      graceSeconds: ctx.rules.defaultGraceMs / 1000,
    });
    // The answer commits with the check and its job: a retry after a crash queues no second one.
    await answerWithWrite(trx, 202, abCheckView(queued!));
    return queued;
  });
  ctx.changed();
  return abCheckView(row!);
}

/** Where a report's FP16 side computed: the CPU provider emulates FP16 in FP32, whatever a report says. */
function arithmeticOf(report: Record<string, unknown>): Fp16Arithmetic {
  const provider = report.provider;
  if (provider !== "cuda" && provider !== "tensorrt") return "emulated-on-cpu";
  return report.fp16Arithmetic === "emulated-on-cpu" ? "emulated-on-cpu" : "gpu";
}

/** The verdict Berth gives a report (a refusal when its numbers are not there). */
function verdictOn(report: Record<string, unknown>): AbVerdictRecord | string {
  const numbers = abNumbers(report);
  if (typeof numbers === "string") return numbers;
  const arithmetic = arithmeticOf(report);
  const j = judgeAbNumbers(numbers, arithmetic);
  return {
    state: j.state,
    report,
    reasons: j.reasons,
    unlocksFp16: j.unlocksFp16,
    fp16Arithmetic: arithmetic,
  };
}

export interface AbReportImport {
  readonly report: Record<string, unknown>;
  readonly pool: string;
}

/** An admin's report of a run made elsewhere, judged by the same gate (201: judged now). */
export async function importAbReport(
  ctx: ServiceContext,
  by: Principal,
  modelId: string,
  req: AbReportImport,
) {
  if (!isAdmin(by))
    throw new DomainError("forbidden", "only an admin imports a report: members ask Berth to run the check");
  const model = await ownModel(ctx, by, modelId);
  const pool = await namedPool(ctx, req.pool);
  // A CPU provider computes FP16 in FP32: a report claiming GPU arithmetic from it is inconsistent.
  if (req.report.provider === "cpu" && req.report.fp16Arithmetic === "gpu")
    throw invalid([
      {
        field: "report.fp16Arithmetic",
        message: 'the cpu provider emulates FP16: it must be "emulated-on-cpu"',
      },
    ]);
  const tensorrt = req.report.tensorrt === true || req.report.provider === "tensorrt";
  const verdict = verdictOn({ ...req.report, tensorrt });
  if (typeof verdict === "string") throw invalid([{ field: "report", message: verdict }]);
  const now = ctx.clock.now();
  const row = await ctx.db.transaction().execute(async (trx) => {
    const inserted = await insertAbCheck(trx, {
      id: newId("ab"),
      model: modelId,
      job: null,
      pool: pool.name,
      computeCapability: pool.computeCapability,
      data: null,
      verdict,
    });
    await announce(trx, now, model.team, { id: inserted.id, model: modelId }, verdict);
    await answerWithWrite(trx, 201, abCheckView(inserted));
    return inserted;
  });
  ctx.changed();
  return abCheckView(row);
}

/** How a validation job's run ended, as far as its check cares. */
export type ValidationOutcome =
  | { readonly type: "running" }
  | { readonly type: "succeeded"; readonly result?: string | undefined }
  | { readonly type: "failed"; readonly message?: string | undefined }
  | { readonly type: "cancelled" };

function parseResult(result: string | undefined): Record<string, unknown> | string {
  if (!result) return "the validation job left no summary";
  try {
    const parsed: unknown = JSON.parse(result);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {}
  return "the validation job's summary is not a JSON object";
}

/**
 * Records what a validation job's run means for the check it runs, in the transaction that records
 * the run's report. A job no check waits for, or a check already finished, changes nothing.
 */
export async function settleAbCheckOfJob(
  trx: Transaction<Database>,
  job: string,
  outcome: ValidationOutcome,
  at: Millis,
): Promise<void> {
  const check = await lockAbCheckOfJob(trx, job);
  if (!check || (check.state !== "queued" && check.state !== "running")) return;
  if (outcome.type === "running") return markAbCheckRunning(trx, check.id);
  let verdict: AbVerdictRecord | string;
  if (outcome.type === "succeeded") {
    const report = parseResult(outcome.result);
    verdict = typeof report === "string" ? report : verdictOn(report);
  } else if (outcome.type === "failed")
    verdict = `the validation job failed${outcome.message ? `: ${outcome.message}` : ""}`;
  else verdict = "the validation job was cancelled";
  const recorded: AbVerdictRecord =
    typeof verdict === "string"
      ? { state: "error", report: null, reasons: [verdict], unlocksFp16: false, fp16Arithmetic: null }
      : verdict;
  await recordAbVerdict(trx, check.id, recorded);
  const model = await getModelRow(trx, check.model_id);
  await announce(trx, at, model?.team ?? null, { id: check.id, model: check.model_id }, recorded);
}
