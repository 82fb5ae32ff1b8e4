// A `berth simulate` workload from the Alibaba GPU cluster trace v2023 (`openb_pod_list_default.csv`
// and `openb_node_list_gpu_node.csv`; research use with attribution: Weng et al., USENIX ATC '23).
// The files are read where they lie (`../shared/traces/` beside the repository), never copied in.
// Every choice the trace leaves open is made here, once, for the policy benchmark, the core
// benchmark and replays at scale alike (BENCHMARKS.md states them):
// - qos LS → high, Guaranteed and Burstable → normal, BE → best-effort;
// - duration = deletion − scheduled; a `Failed` pod ran until its deletion; a pod deleted at the
//   trace's last instant was still running there (censored: excluded, counted); a pod never
//   scheduled (`Pending`) is skipped and counted; CPU-only pods are skipped and counted; a pod that
//   shares a GPU (`gpu_milli` < 1000) takes one whole GPU (counted);
// - pools are the node list's GPU models by GPUs per node (`g2-8`, `t4-2`, ...); a pod goes to a pool
//   whose nodes can hold it, chosen by a seeded hash of its name weighted by the pools' GPUs; its team
//   likewise;
// - the reservation overlay: a seeded share of jobs become bookings of their own shape, from their
//   arrival (on the grid) for their duration and one grace (rounded up to the grid), made 1 h to 7 d ahead; such a
//   job is submitted at its window's start; the booked jobs of LS pods are critical, with the
//   window's end as their deadline;
// - time compression: arrivals are scaled so the offered load (GPU-seconds asked inside the arrival
//   window over the cluster's GPU-seconds in it) is the one asked for.

import type { WorkloadJson } from "./workload.ts";

export interface AlibabaTraceOptions {
  /** Offered load to compress arrivals to; null keeps the trace's own times. */
  readonly load: number | null;
  /** Share of jobs that become bookings (the overlay). */
  readonly reservedShare: number;
  /** Every `nodeEvery`-th node of each model is kept (1 = the whole cluster). */
  readonly nodeEvery: number;
  /** Copies of the cluster and of the jobs (a tenfold replay: 10). */
  readonly copies: number;
  readonly seed: number;
  readonly teams: number;
  /** Checkpoint period and grace of every job (the trace has neither). */
  readonly checkpointEvery: number;
  readonly grace: number;
}

export const DEFAULT_TRACE_OPTIONS: AlibabaTraceOptions = Object.freeze({
  load: null,
  reservedShare: 0.05,
  nodeEvery: 1,
  copies: 1,
  seed: 2023,
  teams: 12,
  checkpointEvery: 600,
  grace: 30,
});

/** What the adapter kept, skipped and assumed: the numbers BENCHMARKS.md states. */
export interface TraceStats {
  pods: number;
  cpuOnly: number;
  pending: number;
  censored: number;
  /** Pods sharing a GPU, each counted as one whole GPU. */
  sharedGpu: number;
  failed: number;
  /** Pods asking more GPUs than any kept node has (only when nodes are sampled). */
  unplaceable: number;
  jobs: number;
  reservations: number;
  critical: number;
  nodes: number;
  gpus: number;
  /** Trace seconds per simulated second. */
  compression: number;
  offeredLoad: number;
  /** Idle reserved GPU-seconds (window less the job's run) over the cluster's in the arrival window. */
  reservedIdleShare: number;
  /** Arrival window, simulated seconds. */
  arrivalSpan: number;
}

/** The workload, as `berth simulate` reads it (every reservation and job listed). */
export type TraceWorkload = WorkloadJson;

/** The simulated instant of the trace's first kept arrival. */
export const TRACE_EPOCH = Date.parse("2026-12-07T00:00:00.000Z");
const GRID_S = 900;
const HOUR_S = 3600;
const DAY_S = 86_400;
const MAX_BOOKING_S = 14 * DAY_S;

/** FNV-1a of `seed:salt:name`, as a fraction in [0, 1): the same name always lands in the same place. */
export function seededFraction(seed: number, salt: string, name: string): number {
  let h = 0x811c9dc5;
  const s = `${seed}:${salt}:${name}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 2 ** 32;
}

function parseCsv(text: string): { get(row: number, col: string): string; rows: number } {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const head = lines[0]!.trim().split(",");
  const cells = lines.slice(1).map((l) => l.trim().split(","));
  const index = new Map(head.map((c, i) => [c, i]));
  return {
    rows: cells.length,
    get(row, col) {
      const i = index.get(col);
      if (i === undefined) throw new Error(`trace CSV has no column ${col}`);
      return cells[row]![i] ?? "";
    },
  };
}

const CC: Record<string, string> = { P100: "6.0", T4: "7.5", V100M16: "7.0", V100M32: "7.0", A10: "8.6" };

interface Pod {
  name: string;
  gpus: number;
  created: number;
  duration: number;
  qos: string;
}

/** The offered load of `pods` (arrivals already shifted to start at 0) at time scale `scale`. */
function loadAt(pods: readonly Pod[], span: number, gpus: number, scale: number): number {
  const window = span * scale;
  if (window <= 0) return Number.POSITIVE_INFINITY;
  let asked = 0;
  for (const p of pods) asked += p.gpus * Math.min(p.duration, window - p.created * scale);
  return asked / (gpus * window);
}

/** Build the workload from the two CSV texts (the pod list, the node list). */
export function alibabaWorkload(
  podCsv: string,
  nodeCsv: string,
  options: Partial<AlibabaTraceOptions> = {},
): { workload: TraceWorkload; stats: TraceStats } {
  const o = { ...DEFAULT_TRACE_OPTIONS, ...options };
  const rows = parseCsv(podCsv);
  const stats: TraceStats = {
    pods: rows.rows,
    cpuOnly: 0,
    pending: 0,
    censored: 0,
    sharedGpu: 0,
    failed: 0,
    unplaceable: 0,
    jobs: 0,
    reservations: 0,
    critical: 0,
    nodes: 0,
    gpus: 0,
    compression: 1,
    offeredLoad: 0,
    reservedIdleShare: 0,
    arrivalSpan: 0,
  };
  let last = 0;
  for (let i = 0; i < rows.rows; i++) last = Math.max(last, Number(rows.get(i, "deletion_time") || 0));
  const pods: Pod[] = [];
  for (let i = 0; i < rows.rows; i++) {
    const gpus = Number(rows.get(i, "num_gpu"));
    if (!(gpus >= 1)) {
      stats.cpuOnly++;
      continue;
    }
    const scheduled = rows.get(i, "scheduled_time");
    if (scheduled === "" || rows.get(i, "pod_phase") === "Pending") {
      stats.pending++;
      continue;
    }
    const deleted = Number(rows.get(i, "deletion_time"));
    if (deleted >= last) {
      stats.censored++;
      continue;
    }
    const duration = deleted - Number(scheduled);
    if (!(duration > 0)) {
      stats.pending++; // deleted as it was scheduled: it never ran
      continue;
    }
    if (Number(rows.get(i, "gpu_milli")) < 1000) stats.sharedGpu++;
    if (rows.get(i, "pod_phase") === "Failed") stats.failed++;
    pods.push({
      name: rows.get(i, "name"),
      gpus,
      created: Number(rows.get(i, "creation_time")),
      duration,
      qos: rows.get(i, "qos"),
    });
  }
  pods.sort((a, b) => a.created - b.created || (a.name < b.name ? -1 : 1));

  // Pools: one per GPU model and node size; every `nodeEvery`-th node of each, times `copies`.
  const nodes = parseCsv(nodeCsv);
  const seen = new Map<string, number>();
  const poolSizes = new Map<string, { model: string; gpusPerNode: number; nodes: number }>();
  for (let i = 0; i < nodes.rows; i++) {
    const model = nodes.get(i, "model");
    const gpusPerNode = Number(nodes.get(i, "gpu"));
    const name = `${model.toLowerCase()}-${gpusPerNode}`;
    const k = seen.get(name) ?? 0;
    seen.set(name, k + 1);
    if (k % o.nodeEvery !== 0) continue;
    const cur = poolSizes.get(name) ?? { model, gpusPerNode, nodes: 0 };
    cur.nodes += o.copies;
    poolSizes.set(name, cur);
  }
  const pools = [...poolSizes.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, p]) => ({
      name,
      product: p.model,
      computeCapability: CC[p.model] ?? "7.0",
      nodes: p.nodes,
      gpusPerNode: p.gpusPerNode,
    }));
  stats.nodes = pools.reduce((s, p) => s + p.nodes, 0);
  stats.gpus = pools.reduce((s, p) => s + p.nodes * p.gpusPerNode, 0);

  // Time compression: scale arrivals (not durations) to the offered load asked for.
  const t0 = pods[0]?.created ?? 0;
  for (const p of pods) p.created -= t0;
  const span = pods.at(-1)?.created ?? 0;
  const perCopyGpus = stats.gpus / o.copies;
  let scale = 1;
  if (o.load !== null && span > 0) {
    // The load falls as the window widens: bisect on the logarithm of the scale.
    let lo = 1e-6;
    let hi = 1e3;
    for (let i = 0; i < 200; i++) {
      const mid = Math.sqrt(lo * hi);
      if (loadAt(pods, span, perCopyGpus, mid) > o.load) lo = mid;
      else hi = mid;
    }
    scale = Math.sqrt(lo * hi);
  }
  stats.compression = 1 / scale;
  stats.arrivalSpan = span * scale;
  stats.offeredLoad = loadAt(pods, span, perCopyGpus, scale);

  const iso = (s: number) => new Date(TRACE_EPOCH + Math.round(s * 1000)).toISOString();
  const gridCeil = (s: number) => Math.ceil(s / GRID_S) * GRID_S;
  const workload: TraceWorkload = { cluster: { pools }, reservations: [], jobs: [] };
  let idleReserved = 0;
  for (let copy = 0; copy < o.copies; copy++) {
    const suffix = o.copies > 1 ? `~${copy}` : "";
    for (const p of pods) {
      const id = `${p.name}${suffix}`;
      const fits = pools.filter((q) => q.gpusPerNode >= p.gpus);
      if (fits.length === 0) {
        if (copy === 0) stats.unplaceable++;
        continue;
      }
      const weight = fits.reduce((s, q) => s + q.nodes * q.gpusPerNode, 0);
      const point = seededFraction(o.seed, "pool", id) * weight;
      let pool = fits.at(-1)!;
      let below = 0;
      for (const q of fits) {
        below += q.nodes * q.gpusPerNode;
        if (point < below) {
          pool = q;
          break;
        }
      }
      const team = `team-${Math.floor(seededFraction(o.seed, "team", id) * o.teams)}`;
      let arrival = p.created * scale;
      let priority = p.qos === "LS" ? "high" : p.qos === "BE" ? "best-effort" : "normal";
      let reservation: string | null = null;
      let deadline: string | undefined;
      // The window covers the run plus one grace period: a job submitted as its window opens may
      // wait that long for borrowers to leave (docs/rules.md §2), and a user books for it.
      const length = Math.max(GRID_S, gridCeil(p.duration + o.grace));
      if (length <= MAX_BOOKING_S && seededFraction(o.seed, "reserve", id) < o.reservedShare) {
        const start = gridCeil(arrival);
        const ahead = HOUR_S + seededFraction(o.seed, "ahead", id) * (7 * DAY_S - HOUR_S);
        if (p.qos === "LS") {
          priority = "critical";
          deadline = iso(start + length);
          stats.critical++;
        }
        reservation = `r-${id}`;
        // The job is submitted when its window opens, as a user who booked would submit it.
        arrival = start;
        workload.reservations.push({
          id: reservation,
          team,
          pool: pool.name,
          nodes: 1,
          gpusPerNode: p.gpus,
          start: iso(start),
          end: iso(start + length),
          priority,
          bookedAt: iso(Math.round(start - ahead)),
        });
        if (copy === 0) idleReserved += p.gpus * (length - p.duration);
      }
      workload.jobs.push({
        id,
        team,
        pool: pool.name,
        gpus: p.gpus,
        submitAt: iso(arrival),
        duration: p.duration,
        priority,
        reservation,
        checkpointEvery: o.checkpointEvery,
        grace: o.grace,
        ...(deadline ? { deadline } : {}),
      });
    }
  }
  stats.jobs = workload.jobs.length;
  stats.reservations = workload.reservations.length;
  stats.reservedIdleShare = stats.arrivalSpan > 0 ? idleReserved / (perCopyGpus * stats.arrivalSpan) : 0;
  return { workload, stats };
}
