// Profiling aid for the cycle: plans one scale's snapshot repeatedly so a profiler sees
// only the cycle. Run: node --cpu-prof --cpu-prof-dir=DIR bench/core/profile-cycle.ts L
// (or --heap-prof for where it allocates). Prints the CPU p50/p99 of the cycles it ran.
import { plan } from "../../src/core/plan.ts";
import { NOW, SCALES, snapshotOf } from "./cluster-state.ts";

const scale = SCALES[process.argv[2] ?? "L"]!;
const runs = Number(process.argv[3] ?? 40);
const snapshot = snapshotOf(scale);
for (let i = 0; i < 10; i++) plan(snapshot, NOW);
const cpu: number[] = [];
for (let i = 0; i < runs; i++) {
  const c = process.cpuUsage();
  plan(snapshot, NOW);
  const u = process.cpuUsage(c);
  cpu.push((u.user + u.system) / 1000);
}
cpu.sort((a, b) => a - b);
const at = (p: number) => cpu[Math.max(0, Math.ceil((p / 100) * cpu.length) - 1)]!.toFixed(2);
process.stdout.write(`${scale.name}: ${runs} cycles, CPU p50 ${at(50)} ms, p99 ${at(99)} ms\n`);
