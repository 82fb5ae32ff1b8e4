// Models and their A/B checks, read-only through the API for now (the A/B pipeline writes them).
import { listAbCheckRows } from "../../adapters/db/repos/ab-checks.ts";
import { listModelRows } from "../../adapters/db/repos/models.ts";
import { notFound } from "../../basics/domain-error.ts";
import type { ServiceContext } from "../context.ts";
import { iso } from "../views.ts";

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
    createdAt: iso(m.created_at),
  }));
}

export async function getModel(ctx: ServiceContext, id: string) {
  const m = (await listModels(ctx, {})).find((x) => x.id === id);
  if (!m) throw notFound(`model ${id}`);
  return { ...m, abChecks: await listAbChecks(ctx, { model: id }) };
}

export async function listAbChecks(ctx: ServiceContext, q: { model?: string | undefined }) {
  const rows = await listAbCheckRows(ctx.db, q);
  return rows.map((c) => ({
    id: c.id,
    model: c.model_id,
    job: c.job_id,
    passed: c.passed,
    report: c.report,
    createdAt: iso(c.created_at),
  }));
}
