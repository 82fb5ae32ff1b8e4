// Policy benchmark: the Alibaba GPU v2023 trace with the reservation overlay, compressed
// to offered loads of 70%, 90% and 110%, replayed under the four policies of `berth simulate` side by
// side in one run. Writes bench/policies/results.json and a plot per metric (bench/policies/plots/),
// and prints Markdown for BENCHMARKS.md. Run: npm run bench:policies [-- --loads 0.9]
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TraceStats } from "../../src/simulator/alibaba-trace.ts";
import type { Metrics } from "../../src/simulator/metrics.ts";
import { POLICY_NAMES } from "../../src/simulator/policies.ts";
import type { SimEvent } from "../../src/simulator/sim-events.ts";
import { simulateWorkload } from "../../src/simulator/simulate.ts";
import { linePlot, type Point } from "./plot.ts";
import { traceWorkload } from "./trace-files.ts";

const here = dirname(fileURLToPath(import.meta.url));
/** The cluster: every 50th node of each GPU model (31 nodes, 149 GPUs), so that the trace's 6,171
 * GPU jobs load it over about a day rather than minutes (the whole cluster has ~1,000 times the GPUs
 * the trace keeps busy at once). */
export const NODE_EVERY = 50;
const LOADS = [0.7, 0.9, 1.1];

interface PolicyResult {
  policy: string;
  metrics: Metrics;
  /** Admissions on lent GPUs, and the share of them that a reclaim ended. */
  lentAdmissions: number;
  lentReclaimed: number | null;
  events: number;
  cpuMs: number;
}

interface LoadResult {
  load: number;
  stats: TraceStats;
  policies: PolicyResult[];
}

/** Admissions that borrowed reserved GPUs, and the share of them a reclaim ended. */
export function lentOutcome(events: readonly SimEvent[]): { lent: number; reclaimed: number | null } {
  const onLent = new Map<string, boolean>();
  let lent = 0;
  let reclaimed = 0;
  for (const e of events) {
    if (!e.job) continue;
    if (e.type === "admit") {
      const borrowed = (e.lentFrom?.length ?? 0) > 0;
      onLent.set(e.job, borrowed);
      if (borrowed) lent++;
    } else if (e.type === "preempt" || e.type === "stop" || e.type === "finish") {
      if (onLent.get(e.job) && e.type === "preempt" && e.reason === "reclaim") reclaimed++;
      onLent.delete(e.job);
    }
  }
  return { lent, reclaimed: lent > 0 ? reclaimed / lent : null };
}

function runLoad(load: number): LoadResult {
  const { workload, stats } = traceWorkload({ load, nodeEvery: NODE_EVERY });
  const policies: PolicyResult[] = [];
  for (const policy of POLICY_NAMES) {
    const c = process.cpuUsage();
    const out = simulateWorkload(workload, policy);
    const u = process.cpuUsage(c);
    const lent = lentOutcome(out.events);
    policies.push({
      policy,
      metrics: out.metrics,
      lentAdmissions: lent.lent,
      lentReclaimed: lent.reclaimed,
      events: out.events.length,
      cpuMs: Math.round((u.user + u.system) / 1000),
    });
    process.stderr.write(`load ${load} ${policy}: ${Math.round((u.user + u.system) / 1000)} ms CPU\n`);
  }
  return { load, stats, policies };
}

const pct = (x: number | null | undefined) =>
  x === null || x === undefined ? "n/a" : `${(x * 100).toFixed(1)}%`;
const sec = (x: number | null | undefined) => (x === null || x === undefined ? "n/a" : `${Math.round(x)} s`);

interface Row {
  key: string;
  label: string;
  get: (r: PolicyResult) => number | null;
  show: (x: number | null) => string;
  unit: string;
}
const row = (key: string, label: string, get: Row["get"], show: Row["show"], unit: string): Row => ({
  key,
  label,
  get,
  show,
  unit,
});
const count = (x: number | null) => String(x ?? 0);

/** Metric rows: file name of its plot, label, how to read it from a result, how to print it, unit. */
const ROWS: Row[] = [
  row("utilization", "GPU utilisation", (r) => r.metrics.gpuUtilization, pct, "share"),
  row("goodput", "goodput", (r) => r.metrics.goodput, pct, "share"),
  row("reserved-on-time", "reserved on time", (r) => r.metrics.reservedOnTime, pct, "share"),
  row("deadline-hits", "critical deadline hits", (r) => r.metrics.deadlineHits, pct, "share"),
  ...(["critical", "high", "normal", "best-effort"] as const).flatMap((p) =>
    (["p50", "p95"] as const).map((q) =>
      row(
        `queue-delay-${q}-${p}`,
        `queue delay ${q}, ${p}`,
        (r) => r.metrics.queueDelay[p]?.[q] ?? null,
        sec,
        "seconds",
      ),
    ),
  ),
  row("preemptions", "preemptions", (r) => r.metrics.preemptions, count, "count"),
  row(
    "lost-gpu-hours",
    "lost GPU-hours",
    (r) => r.metrics.lostGpuHours,
    (x) => (x ?? 0).toFixed(1),
    "GPU-hours",
  ),
  row("displaced", "displaced bookings", (r) => r.metrics.displaced, count, "count"),
  row("refused", "refused bookings", (r) => r.metrics.refusedReservations, count, "count"),
  row("lent-reclaimed", "lent admissions ended by a reclaim", (r) => r.lentReclaimed, pct, "share"),
];

function targets(r: LoadResult): string[] {
  const by = new Map(r.policies.map((p) => [p.policy, p]));
  const b = by.get("berth")!;
  const pr = by.get("priority")!;
  const ro = by.get("reserve-only")!;
  const g = (x: PolicyResult) => x.metrics.goodput ?? 0;
  const hits = (x: PolicyResult) => x.metrics.deadlineHits ?? 0;
  const critP95 = (x: PolicyResult) => x.metrics.queueDelay.critical?.p95 ?? Number.POSITIVE_INFINITY;
  const others = r.policies.filter((p) => p.policy !== "berth");
  const rows: [string, string, boolean][] = [
    [
      "berth starts 100% of held reservations on time",
      pct(b.metrics.reservedOnTime),
      b.metrics.reservedOnTime === 1,
    ],
    [
      "goodput within 2 points of priority",
      `${pct(g(b))} vs ${pct(g(pr))} (${((g(b) - g(pr)) * 100).toFixed(2)} points)`,
      Math.abs(g(b) - g(pr)) <= 0.02,
    ],
    [
      `goodput above reserve-only by at least the idle reserved share (${pct(r.stats.reservedIdleShare)})`,
      `${pct(g(b))} vs ${pct(g(ro))} (${((g(b) - g(ro)) * 100).toFixed(2)} points)`,
      g(b) - g(ro) >= r.stats.reservedIdleShare,
    ],
    [
      "critical deadline hits above every other policy",
      `${pct(hits(b))} vs ${others.map((o) => `${o.policy} ${pct(hits(o))}`).join(", ")}`,
      others.every((o) => hits(b) > hits(o)),
    ],
    [
      "critical queue delay p95 below priority's, with no more preemptions",
      `${sec(critP95(b))} vs ${sec(critP95(pr))}; preemptions ${b.metrics.preemptions} vs ${pr.metrics.preemptions}`,
      critP95(b) < critP95(pr) && b.metrics.preemptions <= pr.metrics.preemptions,
    ],
  ];
  return [
    `Targets at ${Math.round(r.load * 100)}% offered load:`,
    "",
    "| target | measured | met? |",
    "| --- | --- | --- |",
    ...rows.map(([t, m, ok]) => `| ${t} | ${m} | ${ok ? "yes" : "no"} |`),
  ];
}

async function main(): Promise<void> {
  const arg = process.argv.indexOf("--loads");
  const loads = arg >= 0 ? process.argv[arg + 1]!.split(",").map(Number) : LOADS;
  const child = process.argv.indexOf("--child");
  if (child >= 0) {
    process.stdout.write(JSON.stringify(runLoad(Number(process.argv[child + 1]))));
    return;
  }
  // One child process per load: each run's memory is its own and freed before the next.
  const results: LoadResult[] = loads.map((load) => {
    const c = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--child", String(load)], {
      encoding: "utf8",
      maxBuffer: 1 << 28,
      stdio: ["ignore", "pipe", "inherit"],
    });
    if (c.status !== 0) throw new Error(`load ${load} failed`);
    return JSON.parse(c.stdout) as LoadResult;
  });
  writeFileSync(join(here, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  const plots = join(here, "plots");
  mkdirSync(plots, { recursive: true });
  for (const metric of ROWS) {
    const points: Point[] = [];
    for (const r of results)
      for (const p of r.policies) {
        const v = metric.get(p);
        if (v !== null) points.push({ load: r.load, policy: p.policy, value: v });
      }
    writeFileSync(join(plots, `${metric.key}.svg`), await linePlot(metric.label, metric.unit, points));
  }
  const lines: string[] = [
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}; load average when done ${loadavg()
      .map((x) => x.toFixed(1))
      .join(", ")}.`,
    "",
  ];
  for (const r of results) {
    const s = r.stats;
    lines.push(
      `### ${Math.round(r.load * 100)}% offered load`,
      "",
      `${s.jobs} jobs (${s.reservations} booked, ${s.critical} critical with a deadline) on ${s.nodes} nodes / ${s.gpus} GPUs; arrivals compressed ${s.compression.toFixed(1)}× into ${(s.arrivalSpan / 3600).toFixed(1)} h; offered load ${pct(s.offeredLoad)}; idle reserved share ${pct(s.reservedIdleShare)}.`,
      "",
      `| metric | ${r.policies.map((p) => p.policy).join(" | ")} |`,
      `| --- | ${r.policies.map(() => "---").join(" | ")} |`,
      ...ROWS.map((m) => `| ${m.label} | ${r.policies.map((p) => m.show(m.get(p))).join(" | ")} |`),
      `| simulation CPU | ${r.policies.map((p) => `${(p.cpuMs / 1000).toFixed(1)} s`).join(" | ")} |`,
      "",
    );
  }
  const at90 = results.find((r) => r.load === 0.9);
  if (at90) lines.push(...targets(at90), "");
  process.stdout.write(`${lines.join("\n")}\n`);
}

await main();
