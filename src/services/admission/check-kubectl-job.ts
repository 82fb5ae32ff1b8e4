// The rules a kubectl user's Job must keep to be Berth's to admit (docs/rules.md §5): its reservation
// exists, belongs to the namespace's team and still holds slots, its GPUs fit the reservation's
// shape, a queued Job names a known pool, and nobody but Berth unsuspends it. Each refusal is a
// sentence kubectl prints after "denied the request:". The job rules a submitted job keeps (device
// environment variables, annotations, priority and GPU bounds) are job-rules.ts's, called here too.
import { loadInventory } from "../../adapters/db/repos/inventory.ts";
import { getReservationRow } from "../../adapters/db/repos/reservations.ts";
import { getTeamRow } from "../../adapters/db/repos/teams.ts";
import { quotaOf } from "../../core/quota.ts";
import { PRIORITIES, type Priority } from "../../core/types.ts";
import type { ServiceContext } from "../context.ts";
import type { KubectlJobFacts } from "../ports.ts";
import {
  annotationRefusal,
  deviceEnvRefusal,
  queueJobRefusals,
  reservationPriorityRefusal,
} from "../scheduling/job-kinds/job-rules.ts";

/** What the pod template asks for that the job rules refuse; a suspended Job's template may change, so updates too. */
function templateRefusals(f: KubectlJobFacts): string[] {
  const refusals: string[] = [];
  for (const name of new Set(f.envNames)) {
    const why = deviceEnvRefusal(name);
    if (why) refusals.push(`env ${name}: ${why}`);
  }
  if (f.envFrom)
    refusals.push(
      "envFrom is refused: Berth cannot see the variables it imports; list them under env (valueFrom.secretKeyRef for a Secret's)",
    );
  for (const key of Object.keys(f.annotations)) {
    const why = annotationRefusal(key);
    if (why) refusals.push(`annotation ${key}: ${why}`);
  }
  return refusals;
}

export async function checkKubectlJob(ctx: ServiceContext, f: KubectlJobFacts): Promise<string[]> {
  const refusals = templateRefusals(f);
  for (const key of f.berthAnnotations ?? [])
    refusals.push(
      `annotation ${key} on the Job is Berth's to set: it records what Berth admitted and reported`,
    );
  for (const label of f.berthLabels ?? [])
    refusals.push(
      `label ${label} is Berth's to set: it marks the Jobs Berth creates itself; remove it (berth.dev/reservation or berth.dev/queue is all a Job of yours needs)`,
    );
  if (f.suspend === false && f.oldSuspend !== false) {
    refusals.push(
      "spec.suspend: false is Berth's to set: the Job starts suspended and Berth unsuspends it when it admits it",
    );
  }
  // An update that leaves the reservation as it was needs no new look at it.
  if (f.operation === "UPDATE" && f.reservation === f.oldReservation) return refusals;
  if (f.team === null) {
    refusals.push(`namespace ${f.namespace} belongs to no team: an admin labels it berth.dev/team=<team>`);
    return refusals;
  }
  const priority = PRIORITIES.find((p) => `berth-${p}` === (f.priorityClassName ?? "berth-normal"));
  if (!priority) {
    refusals.push(
      `priorityClassName ${f.priorityClassName} is not Berth's: use berth-<priority> (${PRIORITIES.join(", ")})`,
    );
  }
  if (f.gpus < 1)
    refusals.push("the Job asks for no GPU: set resources.limits[nvidia.com/gpu] on its container");
  if (f.reservation !== null) {
    const r = await getReservationRow(ctx.db, f.reservation);
    if (!r) {
      refusals.push(`reservation ${f.reservation} does not exist`);
      return refusals;
    }
    if (r.team !== f.team) {
      refusals.push(
        `reservation ${f.reservation} belongs to team ${r.team}, not to team ${f.team} of namespace ${f.namespace}`,
      );
    }
    if (r.state !== "confirmed" || r.end_at.getTime() <= ctx.clock.now()) {
      refusals.push(
        `reservation ${f.reservation} no longer holds GPUs (it is ${r.state === "confirmed" ? "over" : r.state})`,
      );
    }
    const above = priority && reservationPriorityRefusal(priority, r.priority as Priority);
    if (above) refusals.push(`priorityClassName berth-${priority}: ${above}`);
    const shape = r.nodes * r.gpus_per_node;
    if (f.gpus > shape) {
      refusals.push(
        `the Job asks for ${f.gpus} GPUs (parallelism × nvidia.com/gpu), more than reservation ${f.reservation} holds (${r.nodes} × ${r.gpus_per_node} = ${shape})`,
      );
    }
    return refusals;
  }
  if (f.queue !== "default")
    refusals.push(`berth.dev/queue must be "default" (the opportunistic queue), not "${f.queue}"`);
  const pools = (await loadInventory(ctx.db)).pools;
  const pool = pools.find((p) => p.name === f.pool);
  if (!pool) {
    refusals.push(
      f.pool === null
        ? `a queued Job names its pool with the label berth.dev/pool (${pools.map((p) => p.name).join(", ")})`
        : `unknown pool ${f.pool} (${pools.map((p) => p.name).join(", ")})`,
    );
  } else if (f.gpus > pool.gpusPerNode && f.gpus % pool.gpusPerNode !== 0) {
    refusals.push(`${f.gpus} GPUs: at most ${pool.gpusPerNode} (one node of ${pool.name}) or whole nodes`);
  }
  const team = await getTeamRow(ctx.db, f.team);
  if (team && priority)
    for (const e of queueJobRefusals(quotaOf(team.quota, team.max_gpus), priority, f.gpus))
      refusals.push(e.field === "priority" ? `priorityClassName berth-${priority}: ${e.message}` : e.message);
  return refusals;
}
