// Benchmark states at S, M and L: a cluster with every GPU busy and a deep queue.
// - Reservations: whole or half nodes (some several whole nodes), windows of 1–8 h over the next
//   7 days, about a tenth already active; none overlap on a slot.
// - Running: the active reservations' own jobs fill them; opportunistic jobs of mixed priority
//   (normal, low, best-effort) fill every other GPU, so stronger queued jobs have victims to weigh.
// - Queue: mixed priorities (2% critical, 10% high, 40% normal, 30% low, 18% best-effort), 1–16
//   GPUs, 20 teams, 5% waiting for a future reservation of their team.
import type { JobView, Snapshot } from "../../src/core/snapshot.ts";
import type { GpuNode, Inventory, Priority, Reservation } from "../../src/core/types.ts";
import { pick, seeded } from "./random.ts";

export interface Scale {
  readonly name: string;
  readonly nodes: number;
  readonly gpusPerNode: number;
  readonly queued: number;
  readonly reservations: number;
}

export const SCALES: Record<string, Scale> = {
  S: { name: "S", nodes: 25, gpusPerNode: 4, queued: 1_000, reservations: 100 },
  M: { name: "M", nodes: 125, gpusPerNode: 8, queued: 10_000, reservations: 1_000 },
  L: { name: "L", nodes: 1_250, gpusPerNode: 8, queued: 100_000, reservations: 10_000 },
};

export const NOW = Date.parse("2026-12-07T12:00:00.000Z");
const Q = 15 * 60_000;
const HOUR = 3_600_000;

export function inventoryOf(scale: Scale): Inventory {
  const pools = [
    { name: "a100", product: "A100-SXM4-80GB", computeCapability: "8.0", gpusPerNode: scale.gpusPerNode },
    {
      name: "v100",
      product: "Tesla-V100-SXM2-32GB",
      computeCapability: "7.0",
      gpusPerNode: scale.gpusPerNode,
    },
  ];
  const nodes: GpuNode[] = [];
  for (let i = 0; i < scale.nodes; i++) {
    const pool = i % 2 === 0 ? "a100" : "v100";
    nodes.push({ name: `${pool}-${Math.floor(i / 2)}`, pool, gpus: scale.gpusPerNode, up: true });
  }
  return { pools, nodes };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

export function reservationsOf(scale: Scale, inventory: Inventory, rand: () => number): Reservation[] {
  const g = scale.gpusPerNode;
  const half = g / 2;
  // Busy windows per node half: [start, end) lists, to keep slots free of overlaps.
  const busy = new Map<string, [number, number][]>();
  const free = (key: string, s: number, e: number) =>
    (busy.get(key) ?? []).every(([a, b]) => e <= a || b <= s);
  const take = (key: string, s: number, e: number) => busy.set(key, [...(busy.get(key) ?? []), [s, e]]);
  const out: Reservation[] = [];
  const byPool = new Map<string, GpuNode[]>();
  for (const n of inventory.nodes) byPool.set(n.pool, [...(byPool.get(n.pool) ?? []), n]);
  for (let attempt = 0; out.length < scale.reservations && attempt < scale.reservations * 50; attempt++) {
    const active = rand() < 0.1;
    const start = active ? NOW - Math.floor(rand() * 8) * Q : NOW + Math.floor(rand() * 7 * 24 * 4) * Q + Q;
    const end = Math.max(start + (1 + Math.floor(rand() * 8)) * HOUR, NOW + Q);
    const pool = rand() < 0.5 ? "a100" : "v100";
    const nodes = byPool.get(pool)!;
    const shape = pick(rand, [
      ["half", 5],
      ["whole", 4],
      ["multi", 1],
    ] as const);
    const priority = pick<Priority>(rand, [
      ["critical", 1],
      ["high", 3],
      ["normal", 4],
      ["low", 2],
    ]);
    const team = `team-${Math.floor(rand() * 20)}`;
    const id = `r-${String(out.length).padStart(5, "0")}`;
    const base = {
      id,
      team,
      pool,
      start,
      end,
      priority,
      bookedAt: NOW - 24 * HOUR,
      state: start <= NOW ? "active" : "confirmed",
    } as const;
    if (shape === "half") {
      const n = nodes[Math.floor(rand() * nodes.length)]!;
      const h = rand() < 0.5 ? 0 : 1;
      const key = `${n.name}/${h}`;
      if (!free(key, start, end)) continue;
      take(key, start, end);
      out.push({
        ...base,
        nodes: 1,
        gpusPerNode: half,
        placement: [{ node: n.name, gpus: range(half).map((i) => i + h * half) }],
      });
    } else {
      const k = shape === "whole" ? 1 : 2 + Math.floor(rand() * 3);
      const first = Math.floor(rand() * (nodes.length - k));
      const chosen = nodes.slice(first, first + k);
      if (!chosen.every((n) => free(`${n.name}/0`, start, end) && free(`${n.name}/1`, start, end))) continue;
      for (const n of chosen) {
        take(`${n.name}/0`, start, end);
        take(`${n.name}/1`, start, end);
      }
      out.push({
        ...base,
        nodes: k,
        gpusPerNode: g,
        placement: chosen.map((n) => ({ node: n.name, gpus: range(g) })),
      });
    }
  }
  return out;
}

export function snapshotOf(scale: Scale, seed = 42): Snapshot {
  const rand = seeded(seed);
  const inventory = inventoryOf(scale);
  const reservations = reservationsOf(scale, inventory, rand);
  const jobs: JobView[] = [];
  const used = new Map<string, number>(); // node -> used ordinal mask
  let jn = 0;
  const id = () => `j-${String(jn++).padStart(6, "0")}`;
  // Owners fill their active reservations.
  for (const r of reservations) {
    if (r.state !== "active") continue;
    for (const p of r.placement) {
      jobs.push({
        id: id(),
        team: r.team,
        pool: r.pool,
        gpus: p.gpus.length,
        priority: r.priority,
        reservation: r.id,
        submittedAt: r.start,
        graceMs: 60_000,
        attempts: 0,
        state: "running",
        placement: [p],
        runsOn: r.id,
        workSinceCheckpointMs: Math.floor(rand() * 600_000),
      });
      used.set(p.node, (used.get(p.node) ?? 0) | p.gpus.reduce((m, o) => m | (1 << o), 0));
    }
  }
  // Opportunistic work on every other GPU.
  for (const n of inventory.nodes) {
    let mask = used.get(n.name) ?? 0;
    for (let o = 0; o < n.gpus; ) {
      if (mask & (1 << o)) {
        o++;
        continue;
      }
      let size = pick(rand, [
        [1, 4],
        [2, 2],
        [4, 1],
      ] as const);
      while (
        size > 1 &&
        (o % size !== 0 || o + size > n.gpus || range(size).some((i) => mask & (1 << (o + i))))
      )
        size /= 2;
      const gpus = range(size).map((i) => o + i);
      mask |= gpus.reduce((m, x) => m | (1 << x), 0);
      jobs.push({
        id: id(),
        team: `team-${Math.floor(rand() * 20)}`,
        pool: n.pool,
        gpus: size,
        priority: pick<Priority>(rand, [
          ["normal", 3],
          ["low", 4],
          ["best-effort", 3],
        ]),
        reservation: null,
        submittedAt: NOW - Math.floor(rand() * 48 * HOUR),
        graceMs: 30_000 + Math.floor(rand() * 4) * 30_000,
        attempts: 0,
        state: "running",
        placement: [{ node: n.name, gpus }],
        runsOn: null,
        workSinceCheckpointMs: Math.floor(rand() * 900_000),
      });
      o += size;
    }
  }
  const future = reservations.filter((r) => r.state === "confirmed");
  for (let i = 0; i < scale.queued; i++) {
    const r = rand() < 0.05 && future.length > 0 ? future[Math.floor(rand() * future.length)]! : null;
    jobs.push({
      id: id(),
      team: r ? r.team : `team-${Math.floor(rand() * 20)}`,
      pool: r ? r.pool : rand() < 0.5 ? "a100" : "v100",
      gpus: r
        ? Math.min(r.gpusPerNode, 1 + Math.floor(rand() * r.gpusPerNode))
        : pick(rand, [
            [1, 10],
            [2, 4],
            [4, 3],
            [8, 2],
            [16, 1],
          ] as const),
      priority: pick<Priority>(rand, [
        ["critical", 2],
        ["high", 10],
        ["normal", 40],
        ["low", 30],
        ["best-effort", 18],
      ]),
      reservation: r ? r.id : null,
      submittedAt: NOW - Math.floor(rand() * 24 * HOUR),
      graceMs: 30_000 + Math.floor(rand() * 4) * 30_000,
      attempts: Math.floor(rand() * 2),
      state: "queued",
    });
  }
  return { inventory, reservations, jobs };
}
