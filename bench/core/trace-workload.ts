// A 7-day, 6,000-job `berth simulate` workload derived from the Alibaba GPU trace (v2023,
// ../shared/traces, read at run time, never copied; research use with attribution, see its README).
// - Jobs: the first 6,000 GPU pods (num_gpu ≥ 1) with a known run time, by creation time; arrivals
//   compressed linearly onto 7 days; duration = deletion − scheduled, clamped to [60 s, 24 h];
//   qos LS → high, Burstable/Guaranteed → normal, BE → low; checkpoints every 10 min, 30 s grace.
// - Cluster: nodes of the trace's node list, every k-th one (pools by model and GPUs per node), k
//   chosen so the offered load is about 85% of the cluster over the 7 days.
// - Reservations: 300, seeded: 1–8 h windows over the 7 days, booked 1–48 h ahead, half or whole
//   nodes, mixed priority; each gets two of the trace's jobs (same team, pool) submitted before start.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pick, seeded } from "./random.ts";

const DAY_S = 86_400;
const T0 = Date.parse("2026-12-07T00:00:00.000Z");
const iso = (s: number) => new Date(T0 + Math.round(s) * 1000).toISOString();

function csv(path: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(path, "utf8").trim().split("\n");
  const cols = head!.split(",");
  return lines.map((l) => {
    const cells = l.split(",");
    return Object.fromEntries(cols.map((c, i) => [c, cells[i] ?? ""]));
  });
}

export function traceWorkload(traces: string, jobCount = 6_000, days = 7) {
  const rand = seeded(7);
  const pods = csv(join(traces, "alibaba-gpu-v2023-openb_pod_list_default.csv"))
    .filter((p) => Number(p.num_gpu) >= 1 && p.deletion_time !== "" && p.scheduled_time !== "")
    .map((p) => ({
      name: p.name!,
      gpus: Number(p.num_gpu),
      created: Number(p.creation_time),
      duration: Math.min(DAY_S, Math.max(60, Number(p.deletion_time) - Number(p.scheduled_time))),
      qos: p.qos!,
    }))
    .sort((a, b) => a.created - b.created || (a.name < b.name ? -1 : 1))
    .slice(0, jobCount);
  const span = pods[pods.length - 1]!.created - pods[0]!.created || 1;
  const offered = pods.reduce((s, p) => s + p.gpus * p.duration, 0);
  const allNodes = csv(join(traces, "alibaba-gpu-v2023-openb_node_list_gpu_node.csv"));
  const totalGpus = allNodes.reduce((s, n) => s + Number(n.gpu), 0);
  const wantGpus = offered / (0.85 * days * DAY_S);
  const k = Math.max(1, Math.floor(totalGpus / wantGpus));
  const chosen = allNodes.filter((_, i) => i % k === 0);
  const poolSizes = new Map<string, { gpusPerNode: number; nodes: number }>();
  for (const n of chosen) {
    const name = `${n.model!.toLowerCase()}-${n.gpu}`;
    const cur = poolSizes.get(name) ?? { gpusPerNode: Number(n.gpu), nodes: 0 };
    cur.nodes++;
    poolSizes.set(name, cur);
  }
  const pools = [...poolSizes.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, s]) => ({
      name,
      product: name,
      computeCapability: name.startsWith("p100") ? "6.0" : "7.0",
      nodes: s.nodes,
      gpusPerNode: s.gpusPerNode,
    }));
  const poolWeights = pools.map((p) => [p, p.nodes * p.gpusPerNode] as const);
  const jobs = pods.map((p, i) => {
    const fits = poolWeights.filter(([pool]) => pool.gpusPerNode >= p.gpus);
    const pool = pick(rand, fits.length > 0 ? fits : poolWeights);
    return {
      id: p.name,
      team: `team-${i % 12}`,
      pool: pool.name,
      gpus: Math.min(p.gpus, pool.gpusPerNode),
      submitAt: iso(((p.created - pods[0]!.created) / span) * days * DAY_S * 0.98),
      duration: p.duration,
      priority: p.qos === "LS" ? "high" : p.qos === "BE" ? "low" : "normal",
      reservation: null as string | null,
      checkpointEvery: 600,
      grace: 30,
    };
  });
  const reservations = [];
  for (let i = 0; i < 300; i++) {
    const pool = pick(rand, poolWeights);
    const whole = rand() < 0.4;
    const start = Math.floor((rand() * (days - 1) * DAY_S) / 900) * 900 + DAY_S / 2;
    const length = (1 + Math.floor(rand() * 8)) * 3600;
    const ahead = (1 + Math.floor(rand() * 48)) * 3600;
    const id = `res-${String(i).padStart(3, "0")}`;
    const team = `team-${i % 12}`;
    const gpusPerNode =
      whole || pool.gpusPerNode === 1 ? pool.gpusPerNode : Math.max(1, pool.gpusPerNode / 2);
    reservations.push({
      id,
      team,
      pool: pool.name,
      nodes: 1,
      gpusPerNode,
      start: iso(start),
      end: iso(start + length),
      priority: pick(rand, [
        ["critical", 1],
        ["high", 3],
        ["normal", 4],
        ["low", 2],
      ] as const),
      bookedAt: iso(Math.max(0, start - ahead)),
    });
    for (let n = 0; n < 2; n++) {
      const j = jobs[Math.floor(rand() * jobs.length)]!;
      if (j.reservation !== null) continue;
      j.reservation = id;
      j.team = team;
      j.pool = pool.name;
      j.gpus = Math.min(j.gpus, gpusPerNode);
      j.submitAt = iso(start - 600 * (n + 1));
    }
  }
  return { cluster: { pools }, reservations, jobs };
}
