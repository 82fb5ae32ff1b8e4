// Pools, nodes, free windows and per-node occupancy for the timeline.

import { toReservation } from "../../adapters/db/mappers.ts";
import { appendAudit } from "../../adapters/db/repos/audit.ts";
import { loadInventory } from "../../adapters/db/repos/inventory.ts";
import { listJobRowsHoldingGpus } from "../../adapters/db/repos/jobs.ts";
import { upsertNode } from "../../adapters/db/repos/nodes.ts";
import { upsertPool } from "../../adapters/db/repos/pools.ts";
import { listReservationsOverlapping } from "../../adapters/db/repos/reservations.ts";
import { DomainError, invalid, notFound } from "../../basics/domain-error.ts";
import { findFreeWindows } from "../../core/index.ts";
import type { Millis, Pool } from "../../core/types.ts";
import { currentHolds } from "../booking/pool-holds-memory.ts";
import { isAdmin, type Principal, type ServiceContext } from "../context.ts";
import { iso } from "../views.ts";
import { cachedInventory, invalidateInventory } from "./inventory-cache.ts";

export async function listPools(ctx: ServiceContext) {
  const inv = await loadInventory(ctx.db);
  return inv.pools.map((p) => {
    const nodes = inv.nodes.filter((n) => n.pool === p.name);
    return {
      name: p.name,
      product: p.product,
      computeCapability: p.computeCapability,
      nodes: nodes.length,
      gpusPerNode: p.gpusPerNode,
      gpus: nodes.reduce((s, n) => s + n.gpus, 0),
      nodesUp: nodes.filter((n) => n.up).length,
      ...(p.gpuMemoryMiB !== undefined ? { gpuMemoryMiB: p.gpuMemoryMiB } : {}),
    };
  });
}

export async function listNodes(ctx: ServiceContext, pool?: string) {
  const inv = await loadInventory(ctx.db);
  return inv.nodes.filter((n) => pool === undefined || n.pool === pool);
}

/** Creates or updates a configured pool with `nodes` nodes named `<pool>-<i>` (docs/rules.md §3). */
export async function putPool(ctx: ServiceContext, by: Principal, pool: Pool & { nodes: number }) {
  if (!isAdmin(by)) throw new DomainError("forbidden", "only an admin may configure pools");
  await ctx.db.transaction().execute(async (trx) => {
    await upsertPool(trx, pool);
    for (let i = 0; i < pool.nodes; i++)
      await upsertNode(trx, { name: `${pool.name}-${i}`, pool: pool.name, gpus: pool.gpusPerNode });
    // An admin action: audited with the change (docs/rules.md §4).
    await appendAudit(trx, { at: ctx.clock.now(), actor: by.name, action: "pool.put", detail: { ...pool } });
  });
  invalidateInventory(ctx);
  ctx.changed();
  return (await listPools(ctx)).find((p) => p.name === pool.name)!;
}

export interface AvailabilityQuery {
  readonly pool: string;
  readonly nodes: number;
  readonly gpusPerNode: number;
  readonly durationSeconds: number;
  readonly after?: Millis | undefined;
  readonly limit: number;
}

export async function availability(ctx: ServiceContext, q: AvailabilityQuery) {
  const now = ctx.clock.now();
  // Only the pool's holds from the search's start on can matter.
  const from = Math.max(now, q.after ?? now);
  const inventory = await cachedInventory(ctx);
  const pool = inventory.pools.find((p) => p.name === q.pool);
  if (!pool) throw invalid([{ field: "pool", message: `unknown pool "${q.pool}"` }]);
  const nodeCount = inventory.nodes.filter((n) => n.pool === q.pool).length;
  const errors = [];
  if (q.nodes > nodeCount) errors.push({ field: "nodes", message: `pool ${q.pool} has ${nodeCount} nodes` });
  if (q.gpusPerNode > pool.gpusPerNode) {
    errors.push({ field: "gpusPerNode", message: `pool ${q.pool} has ${pool.gpusPerNode} GPUs per node` });
  }
  const durationMs = q.durationSeconds * 1000;
  if (
    durationMs < ctx.rules.minLengthMs ||
    durationMs > ctx.rules.maxLengthMs ||
    durationMs % ctx.rules.gridMs !== 0
  ) {
    errors.push({
      field: "duration",
      message: `a multiple of ${ctx.rules.gridMs / 1000} s between ${ctx.rules.minLengthMs / 1000} and ${ctx.rules.maxLengthMs / 1000}`,
    });
  }
  if (errors.length > 0) throw invalid(errors);
  const holds = await currentHolds(ctx, q.pool);
  const windows = findFreeWindows({
    inventory,
    reservations: holds.filter((r) => r.end > from),
    pool: q.pool,
    nodes: q.nodes,
    gpusPerNode: q.gpusPerNode,
    durationMs,
    after: q.after ?? now,
    limit: q.limit,
    rules: ctx.rules,
    now,
  });
  return { items: windows.map((w) => ({ start: iso(w.start), end: iso(w.end), placement: w.placement })) };
}

/** Holds per node of a pool over [from, to): what the timeline draws. */
export async function occupancy(ctx: ServiceContext, pool: string, from: Millis, to: Millis) {
  if (to <= from) throw invalid([{ field: "to", message: "must be after from" }]);
  if (to - from > 92 * 86_400_000) throw invalid([{ field: "to", message: "at most 92 days per request" }]);
  const inv = await loadInventory(ctx.db);
  if (!inv.pools.some((p) => p.name === pool)) throw notFound(`pool ${pool}`);
  const rows = await listReservationsOverlapping(ctx.db, { pool }, ["confirmed", "completed", "released"], {
    start: from,
    end: to,
  });
  // Jobs holding GPUs now: a hold shows how many of its GPUs its own jobs use and how many are
  // lent, and each node lists the jobs on it (the timeline draws them, idle reserved GPUs stand out).
  const live = (await listJobRowsHoldingGpus(ctx.db, pool)).filter((j) => j.placement);
  const now = ctx.clock.now();
  const nodes = inv.nodes
    .filter((n) => n.pool === pool)
    .map((n) => ({
      node: n.name,
      gpus: n.gpus,
      up: n.up,
      holds: rows.flatMap((r) => {
        const res = toReservation(r, now);
        const slots = res.placement.find((p) => p.node === n.name);
        if (!slots) return [];
        const end = r.ended_at && r.state === "released" ? Math.min(res.end, r.ended_at.getTime()) : res.end;
        const held = new Set(slots.gpus);
        /** GPUs of this hold used by the jobs `pick` chooses. */
        const usedBy = (pick: (j: (typeof live)[number]) => boolean) =>
          live
            .filter(pick)
            .reduce((sum, j) => sum + gpusOn(j.placement, n.name).filter((g) => held.has(g)).length, 0);
        return [
          {
            reservation: r.id,
            team: r.team,
            priority: r.priority,
            state: res.state,
            title: r.title,
            gpus: slots.gpus,
            start: iso(res.start),
            end: iso(end),
            runningGpus: usedBy((j) => j.reservation_id === r.id),
            lentGpus: usedBy((j) => j.reservation_id !== r.id && j.lent_from.includes(r.id)),
          },
        ];
      }),
      jobs: live
        .filter((j) => gpusOn(j.placement, n.name).length > 0)
        .map((j) => ({
          job: j.id,
          team: j.team,
          priority: j.priority,
          state: j.state,
          gpus: gpusOn(j.placement, n.name),
          reservation: j.reservation_id,
          lentFrom: j.lent_from,
        })),
    }));
  return { pool, from: iso(from), to: iso(to), nodes };
}

/** The GPU ordinals a job's placement holds on one node. */
function gpusOn(
  placement: readonly { node: string; gpus: readonly number[] }[] | null,
  node: string,
): number[] {
  return [...(placement?.find((p) => p.node === node)?.gpus ?? [])];
}
