// Core benchmark. Run: npm run bench:core --  [--only S|M|L|sim]
// Every measurement follows ten warm-up runs: the loop of a running service is JIT-warm.
// Each scale runs in its own child process so its RSS is its own. Results print as Markdown for
// BENCHMARKS.md. Baseline in the same run: sorting the queue once by the admission key (the least
// any scheduler does per cycle), so numbers from different machines compare as ratios.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { decideBooking } from "../../src/core/booking.ts";
import { DEFAULT_BOOKING_RULES } from "../../src/core/booking-rules.ts";
import { CapacityIndex } from "../../src/core/capacity.ts";
import { findFreeWindows } from "../../src/core/free-windows.ts";
import { plan } from "../../src/core/plan.ts";
import type { Snapshot } from "../../src/core/snapshot.ts";
import { priorityRank } from "../../src/core/types.ts";
import { simulateWorkload } from "../../src/simulator/simulate.ts";
import { traceWorkload } from "../policies/trace-files.ts";
import { NOW, SCALES, snapshotOf } from "./cluster-state.ts";
import { FULL_NOW, fullPool } from "./full-pool.ts";
import { pick, seeded } from "./random.ts";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");

function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** CPU milliseconds (user + system) of the last `time` call's runs, sorted: less sensitive than wall
 * time to other processes on a shared machine. */
let lastCpu: number[] = [];

function time(fn: () => unknown, runs: number, warmup = 10): number[] {
  for (let i = 0; i < warmup; i++) fn();
  const out: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    fn();
    out.push(performance.now() - t);
    const u = process.cpuUsage(c);
    cpu.push((u.user + u.system) / 1000);
  }
  lastCpu = cpu.sort((a, b) => a - b);
  return out.sort((a, b) => a - b);
}

const ms = (x: number) => x.toFixed(x < 1 ? 3 : x < 10 ? 2 : 1);

function sortQueue(s: Snapshot): void {
  s.jobs
    .filter((j) => j.state === "queued")
    .sort(
      (a, b) =>
        priorityRank(b.priority) - priorityRank(a.priority) ||
        a.submittedAt - b.submittedAt ||
        (a.id < b.id ? -1 : 1),
    );
}

function scaleBench(name: string): Record<string, unknown> {
  const scale = SCALES[name]!;
  const t0 = performance.now();
  const snapshot = snapshotOf(scale);
  const buildMs = performance.now() - t0;
  const runs = name === "L" ? 30 : name === "M" ? 60 : 200;
  const first = plan(snapshot, NOW);
  const cycle = time(() => plan(snapshot, NOW), runs);
  const cycleCpu = lastCpu;
  const baseline = time(() => sortQueue(snapshot), runs);
  const running = snapshot.jobs.filter((j) => j.state === "running").length;
  const result: Record<string, unknown> = {
    scale: name,
    gpus: scale.nodes * scale.gpusPerNode,
    nodes: scale.nodes,
    reservations: snapshot.reservations.length,
    running,
    queued: scale.queued,
    decisions: first.decisions.length,
    runs,
    cycleP50: percentile(cycle, 50),
    cycleP99: percentile(cycle, 99),
    cycleCpuP50: percentile(cycleCpu, 50),
    cycleCpuP99: percentile(cycleCpu, 99),
    baselineP50: percentile(baseline, 50),
    buildMs,
  };
  if (name === "L") {
    // Placements per second: the L inventory and reservations, no job running, 20,000 small jobs queued.
    const rand = seeded(3);
    const empty: Snapshot = {
      ...snapshot,
      jobs: Array.from({ length: 20_000 }, (_, i) => ({
        id: `p-${String(i).padStart(5, "0")}`,
        team: `team-${i % 20}`,
        pool: i % 2 === 0 ? "a100" : "v100",
        gpus: pick(rand, [
          [1, 6],
          [2, 2],
          [4, 1],
        ] as const),
        priority: "normal" as const,
        reservation: null,
        submittedAt: NOW - i,
        graceMs: 30_000,
        attempts: 0,
        state: "queued" as const,
      })),
    };
    const admits = plan(empty, NOW).decisions.filter((d) => d.kind === "admit").length;
    const placing = time(() => plan(empty, NOW), 5, 1);
    result.placementsPerCpuSecond = Math.round(admits / (percentile(lastCpu, 50) / 1000));
    result.placements = admits;
    result.placementsPerSecond = Math.round(admits / (percentile(placing, 50) / 1000));
    // Booking decisions and next-free-slot searches against the 10k reservations.
    const requests = Array.from({ length: 200 }, (_, i) => {
      const start = NOW + Math.floor(rand() * 7 * 24 * 4) * 900_000;
      const whole = rand() < 0.3;
      return {
        id: `b-${i}`,
        team: `team-${i % 20}`,
        pool: rand() < 0.5 ? "a100" : "v100",
        nodes: whole ? 1 + Math.floor(rand() * 2) : 1,
        gpusPerNode: whole ? scale.gpusPerNode : 1 + Math.floor(rand() * scale.gpusPerNode),
        start,
        end: start + (1 + Math.floor(rand() * 12)) * 3_600_000,
        priority: pick(rand, [
          ["critical", 1],
          ["high", 3],
          ["normal", 4],
        ] as const),
      };
    });
    let n = 0;
    const book = time(
      () =>
        decideBooking({
          inventory: snapshot.inventory,
          reservations: snapshot.reservations,
          request: requests[n++ % requests.length]!,
          now: NOW,
          rules: DEFAULT_BOOKING_RULES,
          quota: { gpuHoursPerWeek: { critical: 10_000 }, maxGpus: 5_000 },
        }),
      requests.length,
    );
    const bookCpu = lastCpu;
    const index = new CapacityIndex(snapshot.inventory, snapshot.reservations);
    n = 0;
    const bookIndexed = time(
      () =>
        decideBooking({
          inventory: snapshot.inventory,
          reservations: snapshot.reservations,
          request: requests[n++ % requests.length]!,
          now: NOW,
          rules: DEFAULT_BOOKING_RULES,
          quota: null,
          index,
        }),
      requests.length,
    );
    n = 0;
    const free = time(() => {
      const r = requests[n++ % requests.length]!;
      return findFreeWindows({
        inventory: snapshot.inventory,
        reservations: snapshot.reservations,
        index,
        pool: r.pool,
        nodes: r.nodes,
        gpusPerNode: r.gpusPerNode,
        durationMs: r.end - r.start,
        after: r.start,
        limit: 5,
        rules: DEFAULT_BOOKING_RULES,
        now: NOW,
      });
    }, requests.length);
    const freeCpu = lastCpu;
    Object.assign(result, {
      bookingCpuP50: percentile(bookCpu, 50),
      bookingCpuP99: percentile(bookCpu, 99),
      freeSlotCpuP50: percentile(freeCpu, 50),
      freeSlotCpuP99: percentile(freeCpu, 99),
      bookingP50: percentile(book, 50),
      bookingP99: percentile(book, 99),
      bookingIndexedP50: percentile(bookIndexed, 50),
      bookingIndexedP99: percentile(bookIndexed, 99),
      freeSlotP50: percentile(free, 50),
      freeSlotP99: percentile(free, 99),
    });
  }
  result.rssMB = Math.round(process.memoryUsage().rss / 2 ** 20);
  return result;
}

/** A dry run into a pool booked full: the booking decision a refused request costs, suggestions included. */
function dryBench(): Record<string, unknown> {
  const { inventory, reservations, requests } = fullPool();
  let n = 0;
  let refused = 0;
  const wall = time(
    () => {
      const d = decideBooking({
        inventory,
        reservations,
        request: requests[n++ % requests.length]!,
        now: FULL_NOW,
        rules: DEFAULT_BOOKING_RULES,
        quota: null,
      });
      if (!d.ok && d.code === "slot-taken" && d.suggestions.length > 0) refused++;
    },
    requests.length * 3,
    requests.length,
  );
  return {
    reservations: reservations.length,
    runs: requests.length * 3,
    calls: n,
    refusedWithSuggestions: refused,
    dryP50: percentile(wall, 50),
    dryP99: percentile(wall, 99),
    dryCpuP50: percentile(lastCpu, 50),
    dryCpuP99: percentile(lastCpu, 99),
  };
}

function simBench(): Record<string, unknown> {
  // The whole Alibaba trace with its reservation overlay (bench/policies/trace-files.ts), as
  // bench:replay runs it; here also in process, to tell the command's start-up from the simulation.
  const { workload } = traceWorkload();
  const t = performance.now();
  const out = simulateWorkload(workload);
  const inProcessMs = performance.now() - t;
  const file = join(mkdtempSync(join(tmpdir(), "berth-bench-")), "trace-workload.json");
  writeFileSync(file, JSON.stringify(workload));
  const c = performance.now();
  const cli = spawnSync(
    process.execPath,
    [join(root, "bin/berth.js"), "simulate", "--workload", file, "--json"],
    {
      maxBuffer: 1 << 30,
    },
  );
  const cliMs = performance.now() - c;
  if (cli.status !== 0) throw new Error(`berth simulate failed: ${cli.stderr}`);
  return {
    jobs: workload.jobs.length,
    reservations: workload.reservations.length,
    gpus: workload.cluster.pools.reduce((s, p) => s + p.nodes * p.gpusPerNode, 0),
    events: out.events.length,
    inProcessMs,
    cliMs,
    rssMB: Math.round(process.memoryUsage().rss / 2 ** 20),
    metrics: out.metrics,
  };
}

const arg = process.argv.indexOf("--child");
if (arg >= 0) {
  const what = process.argv[arg + 1]!;
  const result = what === "sim" ? simBench() : what === "dry" ? dryBench() : scaleBench(what);
  process.stdout.write(JSON.stringify(result));
} else {
  const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1]! : null;
  const results: Record<string, Record<string, unknown>> = {};
  for (const what of ["S", "M", "L", "dry", "sim"]) {
    if (only && only !== what) continue;
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--child", what], {
      encoding: "utf8",
      maxBuffer: 1 << 28,
    });
    if (child.status !== 0) throw new Error(`${what}: ${child.stderr}`);
    results[what] = JSON.parse(child.stdout);
    process.stderr.write(`${what}: ${child.stdout}\n`);
  }
  const lines = [
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}`,
    "",
    `Load average when done: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(", ")} (the machine is shared; wall times include waiting for a CPU, CPU times do not).`,
    "",
    "| scale | GPUs / nodes | reservations | running jobs | queued | cycle wall p50 / p99 | cycle CPU p50 / p99 | target p99 | baseline (sort queue) p50 | RSS |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  const targets: Record<string, number> = { S: 5, M: 20, L: 100 };
  for (const s of ["S", "M", "L"]) {
    const r = results[s];
    if (!r) continue;
    const p99 = r.cycleP99 as number;
    lines.push(
      `| ${s} | ${r.gpus} / ${r.nodes} | ${r.reservations} | ${r.running} | ${r.queued} | ${ms(r.cycleP50 as number)} / ${ms(p99)} ms | ${ms(r.cycleCpuP50 as number)} / ${ms(r.cycleCpuP99 as number)} ms | < ${targets[s]} ms: wall ${p99 < targets[s]! ? "met" : "NOT met"}, CPU ${(r.cycleCpuP99 as number) < targets[s]! ? "met" : "NOT met"} | ${ms(r.baselineP50 as number)} ms | ${r.rssMB} MB |`,
    );
  }
  const l = results.L;
  if (l) {
    lines.push(
      "",
      `At L: ${l.placements} placements in one cycle, ${l.placementsPerSecond} placements/s wall, ${l.placementsPerCpuSecond} per CPU-second (target ≥ 10,000: ${(l.placementsPerSecond as number) >= 10_000 ? "met" : "NOT met"});`,
      `booking decision (quota checked, 10k reservations passed in) wall p50 ${ms(l.bookingP50 as number)} ms / p99 ${ms(l.bookingP99 as number)} ms, CPU p50 ${ms(l.bookingCpuP50 as number)} ms / p99 ${ms(l.bookingCpuP99 as number)} ms (target < 5 ms: wall p99 ${(l.bookingP99 as number) < 5 ? "met" : "NOT met"}, CPU p99 ${(l.bookingCpuP99 as number) < 5 ? "met" : "NOT met"}); with a prebuilt index and no quota p50 ${ms(l.bookingIndexedP50 as number)} ms / p99 ${ms(l.bookingIndexedP99 as number)} ms;`,
      `next free slot (5 windows, prebuilt index) wall p50 ${ms(l.freeSlotP50 as number)} ms / p99 ${ms(l.freeSlotP99 as number)} ms, CPU p50 ${ms(l.freeSlotCpuP50 as number)} / p99 ${ms(l.freeSlotCpuP99 as number)} ms; RSS ${l.rssMB} MB (target < 500 MB: ${(l.rssMB as number) < 500 ? "met" : "NOT met"}).`,
    );
  }
  const dry = results.dry;
  if (dry) {
    lines.push(
      "",
      `Dry run into a pool booked full (${dry.reservations} reservations: 50 nodes × 8 GPUs in 4-hour windows for 40 days; a normal 1 × 8 request, refused with suggestions ${dry.refusedWithSuggestions} times of ${dry.calls}, warm-up included; ${dry.runs} measured): booking decision wall p50 ${ms(dry.dryP50 as number)} ms / p99 ${ms(dry.dryP99 as number)} ms, CPU p50 ${ms(dry.dryCpuP50 as number)} ms / p99 ${ms(dry.dryCpuP99 as number)} ms (target < 5 ms: CPU p99 ${(dry.dryCpuP99 as number) < 5 ? "met" : "NOT met"}).`,
    );
  }
  const sim = results.sim;
  if (sim) {
    lines.push(
      "",
      `berth simulate, the whole Alibaba trace with its reservation overlay (${sim.jobs} jobs, ${sim.reservations} reservations, ${sim.gpus} GPUs, ${sim.events} events): ${(
        (sim.cliMs as number) / 1000
      ).toFixed(
        1,
      )} s wall for the whole command (a separate in-process run of the simulation alone: ${((sim.inProcessMs as number) / 1000).toFixed(1)} s).`,
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}
