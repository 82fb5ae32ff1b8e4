// What one dry run into a pool booked full costs the server, in CPU, paired against another
// checkout in the same run: two real `berth serve` processes (this checkout, and the one given by
// `--base`), each on its own database of one PostgreSQL (or on PGlite), each seeded with the same
// full pool (bench:api's pools; its ALONE pool: 50 nodes × 8 GPUs booked whole in 4-hour windows for 40 days,
// 12,000 reservations). Then rounds in alternating order: a batch of dry runs of a normal 1 × 8
// booking inside the pool (each a 409 with suggestions and holders) against one server, then the
// other, each batch's server CPU (user + system, every thread, from /proc) divided by its requests.
// The safety-net tick is an hour, so the scheduling loop (which no dry run wakes) stays out of the
// figures. On a loaded machine, compare the two columns of one run, not runs.
//
//   node bench/api/dry-run.ts [--base ../policies-base] [--rounds 6] [--requests 100]
//                             [--backend postgres|pglite] [--profile DIR] [--kinds full,free,whoami]
//
// `--profile DIR`: after seeding, this checkout's server restarts on its seeded database under
// `node --cpu-prof` and writes its profile to DIR when it stops (read it with
// `node bench/api/profile-top.ts DIR/*.cpuprofile`); its CPU figures then carry the profiler's cost.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { freePort } from "../../test/support/berth-process.ts";
import { startPostgres } from "../../test/support/postgres-server.ts";

const TOKEN = "bench-admin-token-0123456789abcdef";
const HOUR = 3_600_000;
const NODES = 50;
const DAYS = 40;

const { values } = parseArgs({
  options: {
    base: { type: "string", default: "../policies-base" },
    rounds: { type: "string", default: "6" },
    requests: { type: "string", default: "100" },
    backend: { type: "string", default: "postgres" },
    profile: { type: "string" },
    kinds: { type: "string", default: "full" },
  },
  strict: true,
});
const rounds = Number(values.rounds);
const requests = Number(values.requests);
if (!Number.isInteger(rounds) || rounds < 1)
  throw new Error(`--rounds: a positive integer, got ${values.rounds}`);
if (!Number.isInteger(requests) || requests < 1)
  throw new Error(`--requests: a positive integer, got ${values.requests}`);
if (values.backend !== "postgres" && values.backend !== "pglite")
  throw new Error(`--backend: postgres or pglite, got ${values.backend}`);

interface Server {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
  readonly dir: string;
}

/** CPU seconds of one process (all threads), user and system, from /proc (USER_HZ 100). */
async function procCpu(pid: number): Promise<{ user: number; system: number }> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

async function startServer(
  name: string,
  cwd: string,
  databaseUrl: string | undefined,
  opts: { readonly dir?: string; readonly profile?: boolean } = {},
): Promise<Server> {
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), "berth-dryrun-")));
  const port = await freePort();
  const profile =
    opts.profile && values.profile ? ["--cpu-prof", `--cpu-prof-dir=${resolve(values.profile)}`] : [];
  const child = spawn(process.execPath, [...profile, "bin/berth.js", "serve"], {
    cwd,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      BERTH_ADMIN_TOKEN: TOKEN,
      BERTH_DATA_DIR: dir,
      BERTH_EXECUTOR: "simulated",
      BERTH_LOG_LEVEL: "error",
      BERTH_NO_SHOW_SECONDS: "0",
      BERTH_TICK_SECONDS: "3600",
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`${name}: berth serve exited ${child.exitCode}`);
    if (
      await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (i > 600) throw new Error(`${name}: berth serve not ready`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { name, url, child, dir };
}

async function api(url: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, text };
}

const base = Math.ceil(Date.now() / (24 * HOUR)) * 24 * HOUR + 24 * HOUR;

/**
 * bench:api's pools (BENCH 250 nodes and RACE 1 node beside it, free here, so the dry run reads
 * their versions and suggests one of them) and its ALONE pool booked whole, 32 requests in flight.
 */
async function seed(s: Server): Promise<void> {
  for (const [name, nodes] of [
    ["BENCH", 250],
    ["RACE", 1],
    ["ALONE", NODES],
  ] as const) {
    const put = await api(s.url, "PUT", `/pools/${name}`, {
      product: "bench",
      computeCapability: "8.0",
      gpusPerNode: 8,
      nodes,
    });
    if (put.status >= 300) throw new Error(`${s.name}: PUT pool ${put.status} ${put.text}`);
  }
  for (const t of ["t0", "t1"]) await api(s.url, "POST", "/teams", { name: t });
  const total = NODES * DAYS * 6;
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const start = base + Math.floor(next++ / NODES) * 4 * HOUR;
      const r = await api(s.url, "POST", "/reservations", {
        pool: "ALONE",
        nodes: 1,
        gpusPerNode: 8,
        start: new Date(start).toISOString(),
        end: new Date(start + 4 * HOUR).toISOString(),
        priority: "normal",
        team: "t1",
      });
      if (r.status !== 201) throw new Error(`${s.name}: seeding: ${r.status} ${r.text}`);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

/** A dry run of a normal 1 × 8 in `pool`; `i` picks its window (inside the ALONE pool's 40 days). */
function dryRun(s: Server, pool: string, i: number) {
  const start = base + (2 * (i % 100) + 1) * 4 * HOUR;
  return api(s.url, "POST", "/reservations?dryRun=true", {
    pool,
    nodes: 1,
    gpusPerNode: 8,
    start: new Date(start).toISOString(),
    end: new Date(start + 4 * HOUR).toISOString(),
    priority: "normal",
    team: "t0",
  });
}

/**
 * What each batch asks, and the one answer it must get: `full` is the measure; `free` (a dry run
 * into the empty BENCH pool: the same path, answered 200 without suggestions) and `whoami` (an
 * authenticated GET that reads nothing) show what the request path costs around the decision.
 */
const KINDS = {
  full: { ask: (s: Server, i: number) => dryRun(s, "ALONE", i), status: 409 },
  free: { ask: (s: Server, i: number) => dryRun(s, "BENCH", i), status: 200 },
  whoami: { ask: (s: Server) => api(s.url, "GET", "/whoami"), status: 200 },
} as const;
type Kind = keyof typeof KINDS;
const kinds = values.kinds.split(",") as Kind[];
for (const k of kinds) if (!(k in KINDS)) throw new Error(`--kinds: full, free or whoami, got ${k}`);

async function batch(s: Server, kind: Kind, n: number, offset: number) {
  const before = await procCpu(s.child.pid!);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const r = await KINDS[kind].ask(s, offset + i);
    if (r.status !== KINDS[kind].status)
      throw new Error(`${s.name}, ${kind}: expected ${KINDS[kind].status}, got ${r.status} ${r.text}`);
  }
  const wall = performance.now() - t0;
  const after = await procCpu(s.child.pid!);
  const user = after.user - before.user;
  const system = after.system - before.system;
  return {
    cpuMsPerReq: ((user + system) * 1000) / n,
    systemMsPerReq: (system * 1000) / n,
    wallMsPerReq: wall / n,
  };
}

async function stop(s: Server, keepData = false): Promise<void> {
  if (s.child.exitCode === null) {
    await new Promise<void>((done) => {
      s.child.once("exit", () => done());
      s.child.kill("SIGTERM");
    });
  }
  if (!keepData) await rm(s.dir, { recursive: true, force: true });
}

const baseDir = resolve(values.base);
let stopPg: (() => Promise<void>) | undefined;
const urls: Record<string, string | undefined> = { this: undefined, base: undefined };
if (values.backend === "postgres") {
  const pgServer = await startPostgres();
  stopPg = pgServer.stop;
  const admin = new pg.Client({ connectionString: pgServer.url });
  await admin.connect();
  for (const name of ["this", "base"]) {
    await admin.query(`CREATE DATABASE berth_dryrun_${name}`);
    urls[name] = pgServer.url.replace(/\/postgres$/, `/berth_dryrun_${name}`);
  }
  await admin.end();
}
const servers = [
  await startServer("this", process.cwd(), urls.this),
  await startServer("base", baseDir, urls.base),
];
try {
  const seeded = performance.now();
  await Promise.all(servers.map(seed));
  console.error(
    `seeded ${NODES * DAYS * 6} reservations on each in ${((performance.now() - seeded) / 1000).toFixed(0)} s`,
  );
  if (values.profile) {
    await stop(servers[0]!, true);
    servers[0] = await startServer("this", process.cwd(), urls.this, { dir: servers[0]!.dir, profile: true });
    console.error(`this checkout's server restarted under --cpu-prof (profile to ${values.profile})`);
  }
  // The answers must be the same (ids and the request's own times aside).
  const sample = await Promise.all(servers.map((s) => dryRun(s, "ALONE", 0)));
  const shape = (t: string) => t.replace(/"r-[^"]*"/g, '"r"');
  if (sample[0]!.status !== 409 || shape(sample[0]!.text) !== shape(sample[1]!.text)) {
    console.error(sample.map((s) => `${s.status} ${s.text.slice(0, 2000)}`).join("\n"));
    throw new Error("the two servers answer the dry run differently");
  }
  console.error(`answer: ${sample[0]!.status}, ${sample[0]!.text.length} bytes`);
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  for (const kind of kinds) {
    // Warm-up: the JIT, and each pool's holds read once.
    for (const s of servers) await batch(s, kind, 200, 0);
    const rows: { round: number; name: string; cpu: number; system: number; wall: number }[] = [];
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? servers : [...servers].reverse();
      for (const s of order) {
        const b = await batch(s, kind, requests, r * requests);
        rows.push({
          round: r + 1,
          name: s.name,
          cpu: b.cpuMsPerReq,
          system: b.systemMsPerReq,
          wall: b.wallMsPerReq,
        });
        console.error(
          `${kind} round ${r + 1} ${s.name}: ${b.cpuMsPerReq.toFixed(2)} ms CPU/req (system ${b.systemMsPerReq.toFixed(2)}), ${b.wallMsPerReq.toFixed(2)} ms wall/req`,
        );
      }
    }
    const of = (name: string, k: "cpu" | "system" | "wall") =>
      rows.filter((x) => x.name === name).map((x) => x[k]);
    console.log(`\n${kind}: server CPU per request (user + system, ms)\n`);
    console.log(`| round | this | base | this / base |`);
    console.log(`| --- | --- | --- | --- |`);
    for (let r = 1; r <= rounds; r++) {
      const a = rows.find((x) => x.round === r && x.name === "this")!.cpu;
      const b = rows.find((x) => x.round === r && x.name === "base")!.cpu;
      console.log(`| ${r} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(a / b).toFixed(2)} |`);
    }
    const [ma, mb] = [median(of("this", "cpu")), median(of("base", "cpu"))];
    console.log(`| median | ${ma.toFixed(2)} | ${mb.toFixed(2)} | ${(ma / mb).toFixed(2)} |`);
    console.log(
      `\nof which system, median: this ${median(of("this", "system")).toFixed(2)}, base ${median(of("base", "system")).toFixed(2)}; ` +
        `wall ms/req, median: this ${median(of("this", "wall")).toFixed(2)}, base ${median(of("base", "wall")).toFixed(2)}; ` +
        `${values.backend}, ${requests} requests per batch, base = ${baseDir}`,
    );
  }
} finally {
  for (const s of servers) await stop(s);
  await stopPg?.();
}
