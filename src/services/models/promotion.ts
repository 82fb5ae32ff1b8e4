// Registering model versions, recording their FP16-vs-FP32 A/B checks, and promoting them to a
// deploy config (issue 5 §4). The decision itself is the pure `promotionDecision` (DESIGN.md "Mixed
// precision rules"); this file only gathers its evidence (the latest A/B check, the serving pool's
// compute capability), enforces who may act, and writes the result, its audit entry and its event
// in one transaction.
import type { Transaction } from "kysely";
import { insertAbCheck, latestAbCheck } from "../../adapters/db/repos/ab-checks.ts";
import { appendAudit } from "../../adapters/db/repos/audit.ts";
import { appendEvent } from "../../adapters/db/repos/events.ts";
import { getJobTeam } from "../../adapters/db/repos/jobs.ts";
import { getModelRow, insertModel, lockModelRow, setModelPromoted } from "../../adapters/db/repos/models.ts";
import { getPool } from "../../adapters/db/repos/pools.ts";
import type { Database } from "../../adapters/db/tables.ts";
import { DomainError, invalid, notFound } from "../../basics/domain-error.ts";
import { newId } from "../../basics/ids.ts";
import {
  type AbCheckEvidence,
  type InferenceConfig,
  type InferencePrecision,
  promotionDecision,
} from "../../yolo/precision-rules.ts";
import { isAdmin, type Principal, type ServiceContext } from "../context.ts";
import { getModel } from "./models.ts";

/** The problem type of a refused promotion (src/api maps the `refused` extra to it). */
export const PROMOTION_REFUSED = "promotion-refused";

/**
 * Compute capability assumed when a promotion names no serving pool. Promotion without a pool says
 * "I have not decided where it serves": the CC rule cannot be applied, and the reply says so in its
 * notes; a later switch to fp16 is judged against the same absence.
 */
const UNKNOWN_POOL_CC = "7.0";

export class PromotionRefused extends DomainError {
  constructor(reason: string, recommended: InferenceConfig | undefined) {
    super("conflict", reason, { reason, ...(recommended ? { recommended } : {}) });
  }
}

function mayAct(by: Principal, team: string): void {
  if (isAdmin(by) || by.team === team) return;
  throw new DomainError("forbidden", `the model belongs to team ${team}`);
}

async function modelRow(ctx: ServiceContext, id: string) {
  const row = await getModelRow(ctx.db, id);
  if (!row) throw notFound(`model ${id}`);
  return row;
}

export interface ModelCreate {
  readonly team?: string | undefined;
  readonly name: string;
  readonly version: string;
  readonly artifacts: { readonly fp32: string; readonly fp16?: string | undefined };
}

export async function registerModel(ctx: ServiceContext, by: Principal, input: ModelCreate) {
  const team = input.team ?? by.team;
  if (!team) throw invalid([{ field: "team", message: "an admin names the team that owns the model" }]);
  mayAct(by, team);
  const id = newId("m");
  const artifacts = {
    fp32: input.artifacts.fp32,
    ...(input.artifacts.fp16 ? { fp16: input.artifacts.fp16 } : {}),
  };
  // An unknown team and a name and version taken already are refused by the insert itself.
  await insertModel(ctx.db, { id, name: input.name, version: input.version, team, artifacts });
  return getModel(ctx, id);
}

/** The fields of `berth validate`'s report (CONTRACTS §6) that promotion reads. */
export interface AbReportInput {
  readonly images: number;
  readonly provider: string;
  readonly passed: boolean;
  readonly fp16Arithmetic: "gpu" | "emulated-on-cpu";
  readonly tensorrt?: boolean | undefined;
  readonly [field: string]: unknown;
}

export async function recordAbCheck(
  ctx: ServiceContext,
  by: Principal,
  modelId: string,
  report: AbReportInput,
  job?: string,
) {
  const model = await modelRow(ctx, modelId);
  mayAct(by, model.team);
  // A CPU provider computes FP16 in FP32: a report claiming GPU arithmetic from it is inconsistent,
  // and accepting it would let a rounding-only result unlock fp16.
  if (report.provider === "cpu" && report.fp16Arithmetic === "gpu") {
    throw invalid([
      { field: "fp16Arithmetic", message: 'the cpu provider emulates FP16: it must be "emulated-on-cpu"' },
    ]);
  }
  if (job !== undefined) {
    const jobTeam = await getJobTeam(ctx.db, job);
    if (jobTeam === undefined) throw invalid([{ field: "job", message: `unknown job "${job}"` }]);
    if (jobTeam !== model.team)
      throw invalid([{ field: "job", message: `job ${job} is not team ${model.team}'s` }]);
  }
  const tensorrt = report.tensorrt ?? report.provider === "tensorrt";
  const stored = { ...report, tensorrt };
  const id = newId("ab");
  const now = ctx.clock.now();
  const createdAt = await ctx.db.transaction().execute(async (trx) => {
    const inserted = await insertAbCheck(trx, {
      id,
      model: modelId,
      job: job ?? null,
      passed: report.passed,
      report: stored,
    });
    await appendEvent(trx, now, "abcheck.completed", model.team, {
      check: id,
      model: modelId,
      team: model.team,
      passed: report.passed,
      provider: report.provider,
      fp16Arithmetic: report.fp16Arithmetic,
      tensorrt,
      unlocksFp16: report.passed && report.fp16Arithmetic === "gpu",
    });
    return inserted;
  });
  ctx.changed();
  return {
    id,
    model: modelId,
    job: job ?? null,
    passed: report.passed,
    report: stored,
    createdAt: createdAt.toISOString(),
  };
}

/** The evidence promotion reads: the model's most recent A/B check, if any. */
async function latestEvidence(
  db: Transaction<Database>,
  modelId: string,
): Promise<AbCheckEvidence | undefined> {
  const row = await latestAbCheck(db, modelId);
  if (!row) return undefined;
  const r = (row.report ?? {}) as { fp16Arithmetic?: unknown; tensorrt?: unknown };
  return {
    passed: row.passed === true,
    fp16Arithmetic: r.fp16Arithmetic === "gpu" ? "gpu" : "emulated-on-cpu",
    tensorrt: r.tensorrt === true,
  };
}

async function poolCc(db: Transaction<Database>, pool: string | null): Promise<string> {
  if (pool === null) return UNKNOWN_POOL_CC;
  const found = await getPool(db, pool);
  if (!found) throw invalid([{ field: "pool", message: `unknown pool "${pool}"` }]);
  return found.computeCapability;
}

export interface PromoteInput {
  readonly precision: InferencePrecision;
  readonly batchSize: number;
  readonly useTensorrt: boolean;
  readonly pool?: string | undefined;
}

async function applyDecision(
  ctx: ServiceContext,
  by: Principal,
  modelId: string,
  action: "model.promoted" | "model.precision-changed",
  request: (current: { inference: InferenceConfig | null; pool: string | null }) => PromoteInput,
  precheck?: (current: { inference: InferenceConfig | null }) => void,
) {
  const now = ctx.clock.now();
  const outcome = await ctx.db.transaction().execute(async (trx) => {
    // FOR UPDATE: two promotions of one model serialise, so the audit log's order is the truth.
    const model = await lockModelRow(trx, modelId);
    if (!model) throw notFound(`model ${modelId}`);
    mayAct(by, model.team);
    const current = { inference: model.inference as InferenceConfig | null, pool: model.serving_pool };
    precheck?.(current);
    const req = request(current);
    const pool = req.pool ?? null;
    const cc = await poolCc(trx, pool);
    const check = await latestEvidence(trx, modelId);
    const decision = promotionDecision({
      precision: req.precision,
      batchSize: req.batchSize,
      useTensorrt: req.useTensorrt,
      servingComputeCapability: cc,
      ...(check ? { check } : {}),
    });
    if (!decision.ok) return { ok: false, refused: decision } as const;
    const notes = [...decision.notes];
    if (pool === null && req.precision !== "fp32")
      notes.push("no serving pool named: the compute-capability rule was not applied");
    await setModelPromoted(trx, modelId, decision.inference, pool);
    await appendAudit(trx, {
      at: now,
      actor: by.name,
      action,
      team: model.team,
      reason: notes.join("; ") || null,
      detail: { model: modelId, inference: decision.inference, previous: current.inference, pool },
    });
    await appendEvent(trx, now, "model.promoted", model.team, {
      model: modelId,
      team: model.team,
      name: model.name,
      version: model.version,
      inference: decision.inference,
      pool,
      change: action === "model.promoted" ? "promotion" : "precision",
    });
    return { ok: true, notes } as const;
  });
  if (!outcome.ok) throw new PromotionRefused(outcome.refused.reason, outcome.refused.recommended);
  ctx.changed();
  return { ...(await getModel(ctx, modelId)), notes: outcome.notes };
}

export function promoteModel(ctx: ServiceContext, by: Principal, modelId: string, input: PromoteInput) {
  return applyDecision(ctx, by, modelId, "model.promoted", () => input);
}

/**
 * Switching precision keeps the promoted batch size and pool. Back to fp32 is always allowed (the
 * "degrade to stay alive" rule) and drops TensorRT, the plainest runtime; fp16 goes through the same
 * rule as a promotion, so it needs a passed A/B check with GPU arithmetic.
 */
export function switchPrecision(
  ctx: ServiceContext,
  by: Principal,
  modelId: string,
  precision: InferencePrecision,
) {
  return applyDecision(
    ctx,
    by,
    modelId,
    "model.precision-changed",
    (current) => ({
      precision,
      batchSize: current.inference!.batch_size,
      useTensorrt: precision === "fp32" ? false : current.inference!.use_tensorrt,
      pool: current.pool ?? undefined,
    }),
    (current) => {
      if (!current.inference)
        throw new DomainError("invalid-state", `model ${modelId} is not promoted yet: promote it first`);
    },
  );
}
