// Job submission benchmark, to compare two checkouts in one sitting: `POST /jobs` of a queued
// `external` job (with variables, a Secret reference and annotations, so every job rule runs) by a
// member, closed-loop clients against `berth serve` (PGlite, simulated cluster) started from each
// checkout in turn, rounds alternating between them so a machine whose load drifts hurts both
// alike. Reports per run accepted jobs/s, p50/p99 latency and the server's CPU milliseconds per
// request (from /proc), then each checkout's medians and their ratio.
//
//   npm run bench:jobs -- --trees /path/a,/path/b [--rounds 3] [--seconds 5] [--clients 16]
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { freePort } from "../../test/support/berth-process.ts";

const TOKEN = "bench-admin-token-0123456789abcdef";
const { values } = parseArgs({
  options: {
    trees: { type: "string" },
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "5" },
    clients: { type: "string", default: "16" },
  },
  strict: true,
});
if (!values.trees) {
  console.error("bench/jobs: --trees DIR,DIR is required");
  process.exit(2);
}
const trees = values.trees.split(",");
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const clients = Number(values.clients);

async function procCpu(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function call(url: string, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

async function runOnce(tree: string) {
  const dir = await mkdtemp(join(tmpdir(), "berth-bench-jobs-"));
  const port = await freePort();
  const child = spawn(process.execPath, ["bin/berth.js", "serve"], {
    cwd: tree,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      BERTH_LOG_LEVEL: "warn",
      BERTH_EXECUTOR: "simulated",
      BERTH_DATA_DIR: dir,
      BERTH_ADMIN_TOKEN: TOKEN,
      DATABASE_URL: "",
    },
    stdio: "ignore",
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      const ok = await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (i > 600) throw new Error(`berth serve in ${tree} not ready`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await call(url, TOKEN, "POST", "/teams", { name: "vision" });
    const member = String(
      (await call(url, TOKEN, "POST", "/tokens", { team: "vision", role: "member", name: "m" })).token,
    );
    const pool = String(((await call(url, TOKEN, "GET", "/pools")).items as { name: string }[])[0]!.name);
    const body = JSON.stringify({
      kind: "external",
      pool,
      gpus: 1,
      priority: "low",
      spec: {
        image: "registry.example.com/vision/train:1",
        args: ["--epochs", "3"],
        env: {
          MODE: "fast",
          PYTORCH_CUDA_ALLOC_CONF: "expandable_segments:True",
          HF: { secret: "hub", key: "token" },
        },
        annotations: { owner: "vision", "prometheus.io/scrape": "true" },
      },
    });
    const before = await procCpu(child.pid!);
    const r = await autocannon({
      url: `${url}/api/v1/jobs`,
      method: "POST",
      headers: { authorization: `Bearer ${member}`, "content-type": "application/json" },
      body,
      connections: clients,
      duration: seconds,
    });
    const cpu = (await procCpu(child.pid!)) - before;
    const ok = r["2xx"];
    if (r.non2xx > 0) throw new Error(`${tree}: ${r.non2xx} answers were not 2xx`);
    return {
      tree,
      "jobs/s": Number((ok / seconds).toFixed(1)),
      "p50 ms": r.latency.p50,
      "p99 ms": r.latency.p99,
      "server ms/req": Number(((cpu * 1000) / Math.max(1, ok)).toFixed(2)),
    };
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    await rm(dir, { recursive: true, force: true });
  }
}

const rows: Awaited<ReturnType<typeof runOnce>>[] = [];
for (let round = 0; round < rounds; round++) {
  // Alternate which checkout goes first, so neither always runs on the warmer machine.
  const order = round % 2 === 0 ? trees : [...trees].reverse();
  for (const t of order) {
    rows.push(await runOnce(t));
    console.error(JSON.stringify(rows.at(-1)));
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log("| checkout | jobs/s (median) | p50 ms | p99 ms | server CPU ms/req |");
console.log("| --- | --- | --- | --- | --- |");
const med: Record<string, number[]> = {};
for (const t of trees) {
  const mine = rows.filter((r) => r.tree === t);
  const m = [
    median(mine.map((r) => r["jobs/s"])),
    median(mine.map((r) => r["p50 ms"])),
    median(mine.map((r) => r["p99 ms"])),
    median(mine.map((r) => r["server ms/req"])),
  ];
  med[t] = m;
  console.log(`| ${t} | ${m.join(" | ")} |`);
}
if (trees.length === 2) {
  const [a, b] = trees.map((t) => med[t]!);
  console.log(
    `\nratio ${trees[1]} / ${trees[0]}: jobs/s ${(b![0]! / a![0]!).toFixed(2)}, server CPU ms/req ${(b![3]! / a![3]!).toFixed(2)}`,
  );
}
