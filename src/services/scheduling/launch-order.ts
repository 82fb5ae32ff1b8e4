// What the executor is told to launch for one run of a job: its identity and placement, and what
// its kind makes of its spec on the pool it was placed in (job-kinds/).
import { getPool } from "../../adapters/db/repos/pools.ts";
import type { Placement, Priority } from "../../core/types.ts";
import type { ServiceContext } from "../context.ts";
import type { KubectlJobRef, LaunchOrder } from "../ports.ts";
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
  /** A kubectl user's Job: the executor admits it instead of creating one. */
  readonly kubectl?: KubectlJobRef | undefined;
}

/** Where a job's kubectl Job is, from its row; undefined for a job submitted over REST. */
export function kubectlRefOf(row: {
  readonly kube_namespace: string | null;
  readonly kube_name: string | null;
  readonly kube_uid: string | null;
}): KubectlJobRef | undefined {
  return row.kube_namespace && row.kube_name && row.kube_uid
    ? { namespace: row.kube_namespace, name: row.kube_name, uid: row.kube_uid }
    : undefined;
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
    ...(r.kubectl ? { kubectl: r.kubectl } : {}),
  };
}
