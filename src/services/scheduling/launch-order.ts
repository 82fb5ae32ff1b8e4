// What the executor is told to launch for one run of a job: its identity and placement, and what
// its kind makes of its spec on the pool it was placed in (job-kinds/).
import { getPool } from "../../adapters/db/repos/pools.ts";
import type { Placement, Priority } from "../../core/types.ts";
import type { ServiceContext } from "../context.ts";
import type { LaunchOrder } from "../ports.ts";
import type { JobKindName, JobKindSettings } from "./job-kinds/job-kind.ts";
import { runSpecOf } from "./job-kinds/registry.ts";

/** Berth's image when BERTH_IMAGE is not set (k8s/ builds and deploys it under this name). */
export const DEFAULT_BERTH_IMAGE = "berth:latest";
export const DEFAULT_KIND_SETTINGS: JobKindSettings = { berthImage: DEFAULT_BERTH_IMAGE };

export interface RunOfJob {
  readonly job: string;
  readonly attempt: number;
  readonly kind: JobKindName;
  readonly team: string;
  readonly pool: string;
  readonly priority: string;
  readonly reservation: string | null;
  readonly spec: Record<string, unknown>;
  readonly placement: Placement;
}

export async function launchOrderOf(
  ctx: ServiceContext,
  r: RunOfJob,
  settings: JobKindSettings = DEFAULT_KIND_SETTINGS,
): Promise<LaunchOrder> {
  const pool = await getPool(ctx.db, r.pool);
  const gpus = r.placement.reduce((n, p) => n + p.gpus.length, 0);
  const run = pool
    ? runSpecOf(r.kind, r.spec, { job: r.job, attempt: r.attempt, team: r.team, pool, gpus }, settings)
    : undefined;
  return {
    job: r.job,
    attempt: r.attempt,
    kind: r.kind,
    team: r.team,
    placement: r.placement,
    spec: r.spec,
    ...(r.reservation ? { reservation: r.reservation } : {}),
    priority: r.priority as Priority,
    ...(run ? { run } : {}),
  };
}
