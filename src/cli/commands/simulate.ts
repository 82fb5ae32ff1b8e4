// `berth simulate --workload FILE.json [--policy NAME] [--json]` (docs/rules.md §3): replays a workload
// through the real core. Bad input: one line on stderr and exit code 1, nothing else written.
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import type { Metrics } from "../../simulator/metrics.ts";
import { POLICY_NAMES as POLICIES } from "../../simulator/policies.ts";
import type { SimulateOutput } from "../../simulator/simulate.ts";

function fail(message: string): never {
  process.stderr.write(`berth simulate: ${message}\n`);
  process.exit(1);
}

const pct = (x: number | null) => (x === null ? "n/a" : `${(x * 100).toFixed(1)}%`);
const secs = (x: number | null) => (x === null ? "n/a" : `${Math.round(x)} s`);

export function summary(out: SimulateOutput): string {
  const m: Metrics = out.metrics;
  const count = (type: string) => out.events.filter((e) => e.type === type).length;
  const lines = [
    `policy ${out.policy}: ${count("book")} reservations booked, ${count("admit")} admissions, ${count("finish")} jobs finished`,
    `  GPU utilisation    ${pct(m.gpuUtilization)}`,
    `  goodput            ${pct(m.goodput)}`,
    `  reserved on time   ${pct(m.reservedOnTime)}`,
    `  preemptions        ${m.preemptions}`,
    `  lost GPU-hours     ${m.lostGpuHours.toFixed(2)}`,
    `  displaced          ${m.displaced}`,
    `  refused            ${m.refusedReservations} reservations, ${m.refusedJobs} jobs`,
    `  makespan           ${secs(m.makespan)}`,
  ];
  if (m.deadlineHits !== null) lines.push(`  deadline hits      ${pct(m.deadlineHits)}`);
  lines.push("  queue delay (p50 / p95):");
  for (const [p, d] of Object.entries(m.queueDelay))
    lines.push(`    ${p.padEnd(12)} ${secs(d.p50)} / ${secs(d.p95)}`);
  return `${lines.join("\n")}\n`;
}

export function register(program: Command): void {
  program
    .command("simulate")
    .description("replay a workload (cluster, reservations, jobs, node events) through the scheduling core")
    .requiredOption("--workload <file>", "workload JSON (docs/rules.md §3)")
    .option("--policy <name>", `scheduling policy (${POLICIES.join(", ")})`, "berth")
    .option("--json", "print the events and metrics as JSON")
    .addHelpText("after", "\nExample:\n  berth simulate --workload workload.json --json > out.json")
    .action(async (opts: { workload: string; policy: string; json?: boolean }) => {
      let text: string;
      try {
        text = await readFile(opts.workload, "utf8");
      } catch (err) {
        fail(`cannot read ${opts.workload}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
      let input: unknown;
      try {
        input = JSON.parse(text);
      } catch (err) {
        fail(`${opts.workload} is not valid JSON: ${(err as Error).message.split("\n")[0]}`);
      }
      let out: SimulateOutput;
      // Loaded only when simulating, so `berth --help` stays fast.
      const { simulateWorkload } = await import("../../simulator/simulate.ts");
      const { WorkloadError } = await import("../../simulator/workload.ts");
      try {
        out = simulateWorkload(input, opts.policy);
      } catch (err) {
        if (err instanceof WorkloadError) fail(err.message);
        throw err;
      }
      process.stdout.write(opts.json ? `${JSON.stringify(out)}\n` : summary(out));
    });
}
