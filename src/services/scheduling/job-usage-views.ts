// Jobs as the API shows them, with what each has cost so far (GPU-hours over its runs) and how often
// it was preempted, read for a whole page of jobs in one query.
import { listJobRuns } from "../../adapters/db/repos/job-attempts.ts";
import type { JobRow } from "../../adapters/db/tables.ts";
import { type JobRun, jobUsage } from "../../core/index.ts";
import type { ServiceContext } from "../context.ts";
import { jobView } from "../views.ts";

export async function jobViewsWithUsage(ctx: ServiceContext, rows: readonly JobRow[]) {
  const runs = new Map<string, JobRun[]>();
  for (const a of await listJobRuns(
    ctx.db,
    rows.map((r) => r.id),
  )) {
    const run = { start: a.started_at.getTime(), end: a.ended_at?.getTime() ?? null, outcome: a.outcome };
    const list = runs.get(a.job_id);
    if (list) list.push(run);
    else runs.set(a.job_id, [run]);
  }
  const now = ctx.clock.now();
  return rows.map((r) => ({ ...jobView(r), ...jobUsage(r.gpus, runs.get(r.id) ?? [], now) }));
}
