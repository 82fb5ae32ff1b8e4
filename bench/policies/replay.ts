// Replay at scale: the whole Alibaba trace (every node, the trace's own times, the
// reservation overlay) in one `berth simulate` run, and a copy with nodes and jobs ten times over.
// Each run is the real command in a child process, timed by /usr/bin/time (wall seconds, peak RSS).
// Run: npm run bench:replay [-- --copies 1,10]
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, traceWorkload } from "./trace-files.ts";

interface Replay {
  copies: number;
  nodes: number;
  gpus: number;
  jobs: number;
  reservations: number;
  events: number;
  wallS: number;
  userS: number;
  systemS: number;
  peakRssMB: number;
  outputMB: number;
}

function replay(copies: number): Replay {
  const { workload, stats } = traceWorkload({ copies });
  const dir = mkdtempSync(join(tmpdir(), "berth-replay-"));
  try {
    const input = join(dir, "workload.json");
    const output = join(dir, "out.json");
    writeFileSync(input, JSON.stringify(workload));
    const cli = join(REPO_ROOT, "src/cli/main.ts");
    const fd = openSync(output, "w");
    const run = spawnSync(
      "/usr/bin/time",
      ["-f", "%e %U %S %M", "-o", join(dir, "time"), process.execPath, cli, "simulate"].concat([
        "--workload",
        input,
        "--json",
      ]),
      { stdio: ["ignore", fd, "pipe"], cwd: REPO_ROOT },
    );
    closeSync(fd);
    if (run.status !== 0) throw new Error(`berth simulate failed: ${run.stderr}`);
    const [wall, user, system, rssKb] = readFileSync(join(dir, "time"), "utf8")
      .trim()
      .split(/\s+/)
      .map(Number);
    const out = JSON.parse(readFileSync(output, "utf8")) as { events: unknown[] };
    return {
      copies,
      nodes: stats.nodes,
      gpus: stats.gpus,
      jobs: stats.jobs,
      reservations: stats.reservations,
      events: out.events.length,
      wallS: wall!,
      userS: user!,
      systemS: system!,
      peakRssMB: Math.round(rssKb! / 1024),
      outputMB: Math.round(statSync(output).size / 2 ** 20),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const arg = process.argv.indexOf("--copies");
const copies = arg >= 0 ? process.argv[arg + 1]!.split(",").map(Number) : [1, 10];
const lines = [
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}`,
  "",
  "| copies | nodes / GPUs | jobs | reservations | events | wall | CPU (user + sys) | events/s (wall) | peak RSS | output |",
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
];
for (const c of copies) {
  const r = replay(c);
  process.stderr.write(`${JSON.stringify(r)}\n`);
  lines.push(
    `| ${r.copies} | ${r.nodes} / ${r.gpus} | ${r.jobs} | ${r.reservations} | ${r.events} | ${r.wallS.toFixed(1)} s | ${(r.userS + r.systemS).toFixed(1)} s | ${Math.round(r.events / r.wallS)} | ${r.peakRssMB} MB | ${r.outputMB} MB |`,
  );
}
lines.push(
  "",
  `Load average when done: ${loadavg()
    .map((x) => x.toFixed(1))
    .join(", ")}.`,
);
process.stdout.write(`${lines.join("\n")}\n`);
