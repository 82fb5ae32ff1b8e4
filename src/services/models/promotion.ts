// Registering model versions and promoting them to a deploy config. The decision itself is the
// pure `promotionDecision` (src/yolo/precision-rules.ts); this file gathers its evidence (the
// serving pool's compute capability and the latest finished A/B check for it), enforces who may
// act, and writes the result, its audit entry and its event in one transaction.
import type { Kysely, Transaction } from "kysely";
import { latestFinishedAbCheck } from "../../adapters/db/repos/ab-checks.ts";
import { appendAudit } from "../../adapters/db/repos/audit.ts";
import { appendEvent } from "../../adapters/db/repos/events.ts";
import { getModelRow, insertModel, lockModelRow, setModelPromoted } from "../../adapters/db/repos/models.ts";
import { getPool } from "../../adapters/db/repos/pools.ts";
import type { Database } from "../../adapters/db/tables.ts";
import { DomainError, invalid, notFound } from "../../basics/domain-error.ts";
import { newId } from "../../basics/ids.ts";
import type { Pool } from "../../core/types.ts";
import {
  type AbCheckEvidence,
  type InferenceConfig,
  type InferencePrecision,
  promotionDecision,
} from "../../yolo/precision-rules.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { answerWithWrite } from "../idempotent-answers.ts";
import { mayActOnModel } from "./ab-checks.ts";
import { getModel } from "./models.ts";

/** The problem type of a refused promotion (src/api maps the `refused` extra to it). */
export const PROMOTION_REFUSED = "promotion-refused";

export class PromotionRefused extends DomainError {
  constructor(reason: string, recommended: InferenceConfig | undefined) {
    super("conflict", reason, { reason, reasons: [reason], ...(recommended ? { recommended } : {}) });
  }
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
  mayActOnModel(by, team);
  const id = newId("m");
  const artifacts = {
    fp32: input.artifacts.fp32,
    ...(input.artifacts.fp16 ? { fp16: input.artifacts.fp16 } : {}),
  };
  // An unknown team and a name and version taken already are refused by the insert itself.
  return ctx.db.transaction().execute(async (trx) => {
    await insertModel(trx, { id, name: input.name, version: input.version, team, artifacts });
    const model = await getModel({ ...ctx, db: trx }, id);
    // The answer commits with the model: a retry after a crash replays it instead of a 409.
    await answerWithWrite(trx, 201, model);
    return model;
  });
}

type Handle = Kysely<Database> | Transaction<Database>;

/** What the latest finished A/B check for pools of this compute capability established. */
async function evidenceFor(db: Handle, modelId: string, cc: string): Promise<AbCheckEvidence | undefined> {
  const row = await latestFinishedAbCheck(db, modelId, cc);
  if (!row) return undefined;
  return {
    passed: row.state === "passed",
    fp16Arithmetic: row.fp16_arithmetic === "gpu" ? "gpu" : "emulated-on-cpu",
    tensorrt: (row.report as { tensorrt?: unknown } | null)?.tensorrt === true,
  };
}

async function servingPool(db: Handle, name: string): Promise<Pool> {
  const pool = await getPool(db, name);
  if (!pool) throw invalid([{ field: "pool", message: `unknown pool "${name}"` }]);
  return pool;
}

export interface PromoteInput {
  readonly precision: InferencePrecision;
  /** Default: the promoted batch size, else 1. */
  readonly batchSize?: number | undefined;
  /** Default: false. */
  readonly useTensorrt?: boolean | undefined;
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
    mayActOnModel(by, model.team);
    const current = { inference: model.inference as InferenceConfig | null, pool: model.serving_pool };
    precheck?.(current);
    const req = request(current);
    const pool = req.pool ?? null;
    const cc = pool === null ? null : (await servingPool(trx, pool)).computeCapability;
    const check = cc === null ? undefined : await evidenceFor(trx, modelId, cc);
    const decision = promotionDecision({
      precision: req.precision,
      batchSize: req.batchSize ?? current.inference?.batch_size ?? 1,
      useTensorrt: req.useTensorrt ?? false,
      servingComputeCapability: cc,
      ...(check ? { check } : {}),
    });
    if (!decision.ok) return { ok: false, refused: decision } as const;
    const notes = [...decision.notes];
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
    const answer = { ...(await getModel({ ...ctx, db: trx }, modelId)), notes };
    // A keyed promotion's answer commits with it (a PUT carries no claim: it stores nothing).
    await answerWithWrite(trx, 200, answer);
    return { ok: true, answer } as const;
  });
  if (!outcome.ok) throw new PromotionRefused(outcome.refused.reason, outcome.refused.recommended);
  ctx.changed();
  return outcome.answer;
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

/**
 * The deploy block for a pool: the promoted config where the rules allow it there (its precision
 * judged against that pool's compute capability and the latest finished check for it), else the
 * config they recommend: fp16 where a check unlocks it, fp32 otherwise.
 */
export async function inferenceConfig(ctx: ServiceContext, modelId: string, poolName: string) {
  const model = await getModelRow(ctx.db, modelId);
  if (!model) throw notFound(`model ${modelId}`);
  const pool = await servingPool(ctx.db, poolName);
  const check = await evidenceFor(ctx.db, modelId, pool.computeCapability);
  const promoted = model.inference as InferenceConfig | null;
  const judge = (precision: InferencePrecision, batchSize: number, useTensorrt: boolean) =>
    promotionDecision({
      precision,
      batchSize,
      useTensorrt,
      servingComputeCapability: pool.computeCapability,
      ...(check ? { check } : {}),
    });
  if (promoted) {
    const d = judge(promoted.precision, promoted.batch_size, promoted.use_tensorrt);
    if (d.ok) return { inference: d.inference, source: "promoted" as const };
  }
  const batch = promoted?.batch_size ?? 1;
  const fp16 = judge("fp16", batch, false);
  const chosen = fp16.ok ? fp16 : judge("fp32", batch, false);
  if (!chosen.ok) throw new Error(`fp32 refused on pool ${pool.name}: ${chosen.reason}`);
  return { inference: chosen.inference, source: "recommended" as const };
}
