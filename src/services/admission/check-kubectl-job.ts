// The rules a kubectl user's Job must keep to be Berth's to admit (docs/rules.md §5): its reservation
// exists, belongs to the namespace's team and still holds slots, its GPUs fit the reservation's
// shape, a queued Job names a known pool, and nobody but Berth unsuspends it. Each refusal is a
// sentence kubectl prints after "denied the request:". The job rules every kind shares (device
// environment variables, annotations, priority) come from the job-kind registry and are added here.
import { loadInventory } from "../../adapters/db/repos/inventory.ts";
import { getReservationRow } from "../../adapters/db/repos/reservations.ts";
import { PRIORITIES } from "../../core/types.ts";
import type { ServiceContext } from "../context.ts";
import type { KubectlJobFacts } from "../ports.ts";

export async function checkKubectlJob(ctx: ServiceContext, f: KubectlJobFacts): Promise<string[]> {
  const refusals: string[] = [];
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
  if (f.priorityClassName !== null && !PRIORITIES.some((p) => `berth-${p}` === f.priorityClassName)) {
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
  return refusals;
}
