// API benchmark: accepted bookings/s and p50/p99 latency at 1, 16 and 128 concurrent
// closed-loop clients against a real `berth serve` on loopback, on PostgreSQL and on PGlite; then
// everyone racing for one small pool (201s and 409s apart); then GET /availability over a pool of
// 10 000 reservations. The load generator (autocannon) runs in this process and shares the machine's
// cores with the server and the database: say so next to the numbers.
//
// Each row also says how many CPU milliseconds the server process, PostgreSQL (every `postgres`
// process on the machine) and the load generator spent per answered request, read from /proc.
//
// Then, one request at a time into a pool booked full for 40 days, what the one-at-a-time path
// answers: dry runs, and high-priority bookings that displace a normal one (a critical overnight run taking a normal booking's slots).
//
//   npm run bench:api -- [--backend postgres|pglite|both] [--seconds 10]
//                            [--clients 1,16,128] [--race yes|no] [--availability yes|no] [--alone yes|no]
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import pg from "pg";
import { seededRandom } from "../../src/abcheck/seeded-random.ts";
import { openDatabase } from "../../src/adapters/db/connect.ts";
import { startBerthProcess } from "../../test/support/berth-process.ts";
import { checkConsistency } from "../../test/support/consistency.ts";
import { startPostgres } from "../../test/support/postgres-server.ts";

const TOKEN = "bench-admin-token-0123456789abcdef";
const HOUR = 3_600_000;
const GRID = 15 * 60_000;
const TEAMS = ["t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7"];

/** Options, strictly: an unknown option or value stops the run instead of measuring something else. */
function parseOptions() {
  const fail = (msg: string): never => {
    console.error(`bench/api: ${msg}`);
    process.exit(2);
  };
  const { values } = (() => {
    try {
      return parseArgs({
        options: {
          backend: { type: "string", default: "both" },
          seconds: { type: "string", default: "10" },
          clients: { type: "string", default: "1,16,128" },
          race: { type: "string", default: "yes" },
          availability: { type: "string", default: "yes" },
          alone: { type: "string", default: "yes" },
        },
        strict: true,
        allowPositionals: false,
      });
    } catch (err) {
      return fail((err as Error).message);
    }
  })();
  const oneOf = (name: string, value: string, allowed: readonly string[]) =>
    allowed.includes(value) ? value : fail(`--${name} must be one of ${allowed.join(", ")}, got "${value}"`);
  const backend = oneOf("backend", values.backend, ["postgres", "pglite", "both"]);
  const seconds = Number(values.seconds);
  if (!Number.isFinite(seconds) || seconds <= 0)
    fail(`--seconds must be a positive number, got "${values.seconds}"`);
  const clients = values.clients.split(",").map(Number);
  if (clients.some((c) => !Number.isInteger(c) || c < 1))
    fail(`--clients must be positive integers separated by commas, got "${values.clients}"`);
  return {
    seconds,
    backends: backend === "both" ? ["postgres", "pglite"] : [backend],
    /** Client counts of the spread scenario; `--race no` / `--availability no` skip those. */
    spreadClients: clients,
    withRace: oneOf("race", values.race, ["yes", "no"]) === "yes",
    withAvailability: oneOf("availability", values.availability, ["yes", "no"]) === "yes",
    withAlone: oneOf("alone", values.alone, ["yes", "no"]) === "yes",
  };
}
const { seconds, backends, spreadClients, withRace, withAvailability, withAlone } = parseOptions();
/** Requests of each kind in the one-at-a-time scenarios. */
const ALONE_REQUESTS = 30;

/** CPU seconds (user + system) of one process, from /proc (Linux). */
async function procCpu(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return 0;
  }
}

/**
 * CPU seconds of PostgreSQL: every live `postgres` process, plus what the postmaster has reaped
 * from exited backends (cutime + cstime: a connection closed mid-phase keeps counting).
 */
async function postgresCpu(): Promise<number> {
  let total = 0;
  const stats = new Map<number, string[]>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    if (!stat.includes(" (postgres) ")) continue;
    stats.set(Number(entry), stat.slice(stat.lastIndexOf(")") + 2).split(" "));
  }
  for (const fields of stats.values()) {
    total += (Number(fields[11]) + Number(fields[12])) / 100;
    // The postmaster (its parent is not a postgres process) carries its reaped children's time.
    if (!stats.has(Number(fields[1]))) total += (Number(fields[13]) + Number(fields[14])) / 100;
  }
  return total;
}

interface CpuMeter {
  readonly serverPid: number;
  readonly postgres: boolean;
}

async function cpuNow(m: CpuMeter) {
  const self = process.cpuUsage();
  return {
    server: await procCpu(m.serverPid),
    postgres: m.postgres ? await postgresCpu() : 0,
    loadgen: (self.user + self.system) / 1e6,
  };
}

/** Runs `phase`, adding the CPU milliseconds each process spent per answered request. */
async function metered(m: CpuMeter, phase: () => Promise<Row>): Promise<Row> {
  const before = await cpuNow(m);
  const row = await phase();
  const after = await cpuNow(m);
  const answered = Math.max(1, row["201"] + row["409"] + row.other);
  const per = (k: keyof typeof before) => Number((((after[k] - before[k]) * 1000) / answered).toFixed(2));
  return {
    ...row,
    "server ms/req": per("server"),
    "pg ms/req": per("postgres"),
    "loadgen ms/req": per("loadgen"),
  };
}

async function api(url: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/**
 * autocannon stops sending at the end of a run, but an overloaded server still holds the requests
 * it had accepted: wait until it answers promptly again, so the next run starts from an idle server.
 */
async function drain(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const t = performance.now();
    await fetch(`${url}/api/v1/whoami`, { headers: { authorization: `Bearer ${TOKEN}` } }).then((r) =>
      r.text(),
    );
    if (performance.now() - t < 200) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Reservations `GET /availability` searches over ("with 10k reservations"). */
const AVAILABILITY_HOLDS = 10_000;
const AVAIL_NODES = 250;

/**
 * Books every node of `pool` whole through the API, `windows` consecutive windows of `hours` from
 * tomorrow 00:00 UTC, 64 requests in flight. Returns how many it booked.
 */
async function fillPool(
  url: string,
  pool: string,
  nodes: number,
  windows: number,
  hours: number,
  team: string,
) {
  const base = Math.ceil(Date.now() / (24 * HOUR)) * 24 * HOUR + 24 * HOUR;
  const total = nodes * windows;
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const start = base + Math.floor(next++ / nodes) * hours * HOUR;
      await api(url, "POST", "/reservations", {
        pool,
        nodes: 1,
        gpusPerNode: 8,
        start: new Date(start).toISOString(),
        end: new Date(start + hours * HOUR).toISOString(),
        priority: "normal",
        team,
      });
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  return total;
}

/**
 * Fills the AVAIL pool (250 nodes × 8 GPUs) with 10 000 whole-node reservations: 40 consecutive
 * 2-hour windows. The search for a free 2-hour whole node must then walk past 80 booked hours.
 */
async function seedAvailability(url: string): Promise<number> {
  return fillPool(url, "AVAIL", AVAIL_NODES, AVAILABILITY_HOLDS / AVAIL_NODES, 2, "t0");
}

interface Row {
  backend: string;
  scenario: string;
  clients: number;
  "201/s": number;
  "201": number;
  "409": number;
  other: number;
  p50: number;
  p99: number;
  "server ms/req"?: number;
  "pg ms/req"?: number;
  "loadgen ms/req"?: number;
}

async function bookingRun(
  url: string,
  backend: string,
  scenario: string,
  clients: number,
  pool: string,
  days: number,
  seed: number,
): Promise<Row> {
  const random = seededRandom(seed); // one reproducible stream per scenario
  const base = Math.ceil(Date.now() / (24 * HOUR)) * 24 * HOUR + 24 * HOUR;
  const result = await autocannon({
    url,
    connections: clients,
    duration: seconds,
    requests: [
      {
        method: "POST",
        path: "/api/v1/reservations",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        setupRequest: (req) => {
          const start = base + Math.floor(random() * ((days * 24 * HOUR) / GRID)) * GRID;
          const hours = 1 + Math.floor(random() * 8);
          return {
            ...req,
            body: JSON.stringify({
              pool,
              nodes: 1,
              gpusPerNode: 1 + Math.floor(random() * 8),
              start: new Date(start).toISOString(),
              end: new Date(start + hours * HOUR).toISOString(),
              priority: "normal",
              team: TEAMS[Math.floor(random() * TEAMS.length)],
            }),
          };
        },
      },
    ],
  });
  const codes = result.statusCodeStats as unknown as Record<string, { count: number }>;
  const created = codes["201"]?.count ?? 0;
  const conflicts = codes["409"]?.count ?? 0;
  const all = Object.values(codes).reduce((s, c) => s + c.count, 0);
  return {
    backend,
    scenario,
    clients,
    "201/s": Math.round(created / (result.duration || seconds)),
    "201": created,
    "409": conflicts,
    other: all - created - conflicts + result.errors + result.timeouts,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

async function availabilityRun(url: string, backend: string, clients: number, held: number): Promise<Row> {
  const result = await autocannon({
    url: `${url}/api/v1/availability?pool=AVAIL&nodes=1&gpusPerNode=8&duration=7200&limit=5`,
    connections: clients,
    duration: seconds,
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  const codes = result.statusCodeStats as unknown as Record<string, { count: number }>;
  return {
    backend,
    scenario: `GET /availability over ${held} reservations`,
    clients,
    "201/s": Math.round((codes["200"]?.count ?? 0) / (result.duration || seconds)),
    "201": codes["200"]?.count ?? 0,
    "409": 0,
    other: result.non2xx + result.errors,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

/** The pool of the one-at-a-time scenarios: every node booked whole, 4-hour windows, 40 days. */
const ALONE_NODES = 50;
const ALONE_DAYS = 40;

async function seedAlone(url: string): Promise<number> {
  await api(url, "PUT", "/pools/ALONE", {
    product: "bench",
    computeCapability: "8.0",
    gpusPerNode: 8,
    nodes: ALONE_NODES,
  });
  return fillPool(url, "ALONE", ALONE_NODES, ALONE_DAYS * 6, 4, "t1");
}

/**
 * One request at a time (no batch to share) into the full ALONE pool: `dry run` asks what a
 * 1-node × 8-GPU normal booking would do (409: slot taken, with suggestions); `displacing` books a
 * high-priority 1 × 8, which displaces one normal booking each time.
 */
async function aloneRun(url: string, backend: string, kind: "dry run" | "displacing"): Promise<Row> {
  const base = Math.ceil(Date.now() / (24 * HOUR)) * 24 * HOUR + 24 * HOUR;
  const latencies: number[] = [];
  const codes = new Map<number, number>();
  const began = performance.now();
  for (let i = 0; i < ALONE_REQUESTS; i++) {
    const start = base + (kind === "dry run" ? 2 * i : 2 * i + 1) * 4 * HOUR;
    const t = performance.now();
    const res = await fetch(`${url}/api/v1/reservations${kind === "dry run" ? "?dryRun=true" : ""}`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({
        pool: "ALONE",
        nodes: 1,
        gpusPerNode: 8,
        start: new Date(start).toISOString(),
        end: new Date(start + 4 * HOUR).toISOString(),
        priority: kind === "dry run" ? "normal" : "high",
        team: "t0",
      }),
    });
    await res.text();
    latencies.push(performance.now() - t);
    codes.set(res.status, (codes.get(res.status) ?? 0) + 1);
  }
  const seconds = (performance.now() - began) / 1000;
  latencies.sort((a, b) => a - b);
  const ok = (codes.get(200) ?? 0) + (codes.get(201) ?? 0);
  return {
    backend,
    scenario: `alone, full pool of ${ALONE_NODES * ALONE_DAYS * 6}: ${kind === "dry run" ? "dry run (409)" : "high priority, displacing (201)"}`,
    clients: 1,
    "201/s": Math.round(ALONE_REQUESTS / seconds),
    "201": ok,
    "409": codes.get(409) ?? 0,
    other: ALONE_REQUESTS - ok - (codes.get(409) ?? 0),
    p50: Math.round(latencies[Math.floor(latencies.length / 2)]!),
    p99: Math.round(latencies.at(-1)!),
  };
}

async function benchBackend(backend: string): Promise<{ rows: Row[]; held: number; doubleBookings: number }> {
  const dir = await mkdtemp(join(tmpdir(), "berth-bench-"));
  const env: Record<string, string> = {
    BERTH_ADMIN_TOKEN: TOKEN,
    BERTH_DATA_DIR: dir,
    BERTH_NO_SHOW_SECONDS: "0",
    BERTH_LOG_LEVEL: "error",
    BERTH_TICK_SECONDS: process.env.BENCH_TICK ?? "5",
  };
  let stopPg: (() => Promise<void>) | undefined;
  if (backend === "postgres") {
    const server = await startPostgres();
    stopPg = server.stop;
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query("CREATE DATABASE berth_bench");
    await admin.end();
    env.DATABASE_URL = server.url.replace(/\/postgres$/, "/berth_bench");
  }
  const berth = await startBerthProcess(env);
  const rows: Row[] = [];
  try {
    await api(berth.url, "PUT", "/pools/BENCH", {
      product: "bench",
      computeCapability: "8.0",
      gpusPerNode: 8,
      nodes: 250,
    });
    await api(berth.url, "PUT", "/pools/RACE", {
      product: "bench",
      computeCapability: "8.0",
      gpusPerNode: 8,
      nodes: 1,
    });
    for (const t of TEAMS) await api(berth.url, "POST", "/teams", { name: t });
    const meter: CpuMeter = { serverPid: berth.child.pid!, postgres: backend === "postgres" };
    for (const [i, c] of spreadClients.entries()) {
      rows.push(
        await metered(meter, () =>
          bookingRun(berth.url, backend, "spread: 250 nodes, 90 days", c, "BENCH", 88, 100 + i),
        ),
      );
      console.error(JSON.stringify(rows.at(-1)));
      await drain(berth.url);
    }
    if (withAlone) {
      await seedAlone(berth.url);
      await drain(berth.url);
      for (const kind of ["dry run", "displacing"] as const) {
        rows.push(await metered(meter, () => aloneRun(berth.url, backend, kind)));
        console.error(JSON.stringify(rows.at(-1)));
      }
    }
    if (withRace) {
      rows.push(
        await metered(meter, () => bookingRun(berth.url, backend, "race: 1 node, 2 days", 128, "RACE", 2, 7)),
      );
      console.error(JSON.stringify(rows.at(-1)));
      await drain(berth.url);
    }
    if (withAvailability) {
      await api(berth.url, "PUT", "/pools/AVAIL", {
        product: "bench",
        computeCapability: "8.0",
        gpusPerNode: 8,
        nodes: AVAIL_NODES,
      });
      const held = await seedAvailability(berth.url);
      await drain(berth.url);
      rows.push(await metered(meter, () => availabilityRun(berth.url, backend, 16, held)));
      console.error(JSON.stringify(rows.at(-1)));
    }
  } finally {
    await berth.kill("SIGTERM");
  }
  const handle = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: dir });
  const { held, problems } = await checkConsistency(handle.db);
  await handle.close();
  await stopPg?.();
  await rm(dir, { recursive: true, force: true });
  return { rows, held: held.length, doubleBookings: problems.length };
}

const all: Row[] = [];
const summary: string[] = [];
for (const b of backends) {
  const r = await benchBackend(b);
  all.push(...r.rows);
  summary.push(
    `${b}: ${r.held} reservations held at the end, ${r.doubleBookings} consistency problems (double bookings or stray slots)`,
  );
}
const cols = [
  "backend",
  "scenario",
  "clients",
  "201/s",
  "201",
  "409",
  "other",
  "p50",
  "p99",
  "server ms/req",
  "pg ms/req",
  "loadgen ms/req",
] as const;
console.log(`| ${cols.join(" | ")} |`);
console.log(`| ${cols.map(() => "---").join(" | ")} |`);
for (const r of all) console.log(`| ${cols.map((c) => String(r[c] ?? "")).join(" | ")} |`);
console.log("");
console.log(
  "(GET /availability rows: the 201 columns count 200 answers; alone rows: 200 + 201 answers, p99 = the slowest of 30; p50/p99 in ms)",
);
for (const s of summary) console.log(s);
