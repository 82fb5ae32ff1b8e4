// Reading model versions, each with its A/B checks.
import { listModelRows } from "../../adapters/db/repos/models.ts";
import { notFound } from "../../basics/domain-error.ts";
import type { ServiceContext } from "../context.ts";
import { iso } from "../views.ts";
import { listAbChecks } from "./ab-checks.ts";

export async function listModels(ctx: ServiceContext, q: { team?: string | undefined }) {
  const rows = await listModelRows(ctx.db, q);
  return rows.map((m) => ({
    id: m.id,
    name: m.name,
    version: m.version,
    team: m.team,
    state: m.state,
    inference: m.inference,
    artifacts: m.artifacts,
    servingPool: m.serving_pool,
    ...(m.trained_by ? { trainedBy: m.trained_by, trainingPool: m.training_pool } : {}),
    createdAt: iso(m.created_at),
  }));
}

export async function getModel(ctx: ServiceContext, id: string) {
  const m = (await listModels(ctx, {})).find((x) => x.id === id);
  if (!m) throw notFound(`model ${id}`);
  return { ...m, abChecks: await listAbChecks(ctx, { model: id }) };
}
