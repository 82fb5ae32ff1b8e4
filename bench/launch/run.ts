// Launch benchmark on the test cluster (its own control plane, started here with
// bench/launch/pools.json: 64 simulated nodes of 8 GPUs, so capacity never queues a launch), with
// a real `berth serve` on PostgreSQL acting as the Kustomize base's ServiceAccount.
//
// 1. Latency: 500 one-GPU reservations in force; one job submitted on each, at a steady rate. For
//    every run: submit sent → batch/v1 Job created (its ADDED event on a watch in this process) →
//    pod bound (the first pod event with spec.nodeName). A job submitted onto a reservation in force
//    is launched by the same path as a reservation reaching its start (the loop wakes, plans,
//    launches); only the wake differs (a commit here, the loop's timer there).
//    Pod Running and Succeeded come from kwok's stage delays, not from Berth: reported apart, so
//    labelled.
// 2. Throughput: a second job on each of the 500 reservations, all submitted at once: Jobs created
//    per second, first to last creation. Berth sends a cycle's launches 16 at a time
//    (BERTH_APPLY_CONCURRENCY's default); after phase 3 Berth is restarted with 1 and a third job
//    on each reservation is submitted the same way, for the comparison (that burst meets a
//    database holding two more jobs per reservation: say so beside the numbers).
// 3. Admission: AdmissionReviews of a reserved kubectl Job posted to Berth's validating webhook at
//    50 per second (the full check: namespace team, reservation, GPUs), and the same Jobs created
//    as a server-side dry run through the API server (which calls both webhooks) at 50 per second.
//    Run once every earlier job is finished as Berth records it, so the reviews meet a settled
//    cluster, not the burst's pods still being run and deleted on the same cores.
// 4. Reservation start: the first reservations cancelled, JOBS new one-GPU reservations all starting
//    at the same minute (BERTH_BOOKING_GRID_MINUTES=1 here), a job queued on each before it starts.
//    At the start Berth's loop wakes on its timer and launches them all: reservation start → Job
//    created and → pod bound per Job, and Jobs created per second, first to last. This is the
//    evening's case (every critical run's window opens at 20:00): nothing is submitted during the
//    burst, and the jobs run 30 s, so none finishes while Jobs are still being created.
//
//   flock /tmp/berth-kube.lock npm run bench:launch -- [--jobs 500] [--rate 20] [--reviews 1000]
//
// Everything (cluster, PostgreSQL, Berth, this load generator) shares the machine's cores: say so
// next to the numbers.
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { Agent, request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BatchV1Api, CoreV1Api, KubeConfig, type V1Job, type V1Pod } from "@kubernetes/client-node";
import { watchStream } from "../../src/adapters/kube/watch-stream.ts";
import { down, repoRoot, up } from "../../test/cluster/control-plane.ts";
import { waitFor } from "../../test/cluster/wait.ts";
import { bindBerthServiceAccount } from "../../test/kube/support/berth-identity.ts";
import { freePort, startBerthProcess } from "../../test/support/berth-process.ts";
import { startPostgres } from "../../test/support/postgres-server.ts";

const TOKEN = `bench-launch-${randomBytes(12).toString("hex")}`;
// A one-minute booking grid (BERTH_BOOKING_GRID_MINUTES=1), so reservations can start within a minute.
const GRID = 60_000;
const HOUR = 3_600_000;
const NAMESPACE = "bench-launch";
const TEAM = "bench";

const { values: opts } = parseArgs({
  options: {
    jobs: { type: "string", default: "500" },
    rate: { type: "string", default: "20" },
    reviews: { type: "string", default: "1000" },
    out: { type: "string", default: "bench/launch/results.json" },
  },
  strict: true,
});
const JOBS = Number(opts.jobs);
const RATE = Number(opts.rate);
const REVIEWS = Number(opts.reviews);

const now = () => performance.now();

/** CPU seconds a process has used so far (utime + stime from /proc, USER_HZ 100). */
async function cpuSeconds(pid: number | undefined): Promise<number> {
  if (!pid) return Number.NaN;
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
}
const summary = (xs: number[]) => ({
  n: xs.length,
  p50: Math.round(pct(xs, 50)),
  p99: Math.round(pct(xs, 99)),
  max: Math.round(Math.max(...xs)),
});

/** Sends `count` calls at `perSecond`, open loop (a slow answer does not delay the next send). */
async function paced<T>(count: number, perSecond: number, call: (i: number) => Promise<T>): Promise<T[]> {
  const start = now();
  const all: Promise<T>[] = [];
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / perSecond;
    const wait = due - now();
    if (wait > 0) await sleep(wait);
    all.push(call(i));
  }
  return Promise.all(all);
}

async function main() {
  const log = (line: string) => console.error(`bench:launch: ${line}`);
  const cluster = await up({ poolsFile: join(repoRoot, "bench/launch/pools.json"), log });
  const postgres = await startPostgres();
  const dataDir = await mkdtemp(join(tmpdir(), "berth-bench-launch-"));
  let berth: Awaited<ReturnType<typeof startBerthProcess>> | undefined;
  const watches: { abort(): void }[] = [];
  try {
    const admin = new KubeConfig();
    admin.loadFromFile(cluster.kubeconfig);
    const core = admin.makeApiClient(CoreV1Api);
    const batch = admin.makeApiClient(BatchV1Api);
    await core.createNamespace({
      body: { metadata: { name: NAMESPACE, labels: { "berth.dev/team": TEAM } } },
    });
    await waitFor("the namespace's default ServiceAccount", async () =>
      core.readNamespacedServiceAccount({ name: "default", namespace: NAMESPACE }).then(() => true),
    );
    const berthKubeconfig = await bindBerthServiceAccount({
      kubectl: cluster.kubectl,
      kubeconfig: cluster.kubeconfig,
      dir: cluster.dir,
      repoRoot,
    });
    const admissionPort = await freePort();
    const berthEnv = {
      DATABASE_URL: postgres.url,
      BERTH_DATA_DIR: dataDir,
      BERTH_ADMIN_TOKEN: TOKEN,
      BERTH_EXECUTOR: "kubernetes",
      KUBECONFIG: berthKubeconfig,
      BERTH_NAMESPACE: NAMESPACE,
      // The base's Role lets Berth's ServiceAccount hold the leader Lease in `berth` only.
      BERTH_LEASE_NAMESPACE: "berth",
      BERTH_ADMISSION_URL: `https://127.0.0.1:${admissionPort}`,
      BERTH_LOG_FORMAT: "json",
      BERTH_BOOKING_GRID_MINUTES: "1",
    };
    berth = await startBerthProcess(berthEnv);
    let url = berth.url;
    let berthPid = berth.child.pid;
    const apiserverPid = cluster.processes.find((p) => p.name === "kube-apiserver")?.pid;
    /** Admission reviews Berth has answered (its metrics): none for its own Jobs. */
    const reviewsAnswered = async () =>
      (await (await fetch(`${url}/metrics`)).text())
        .split("\n")
        .filter((l) => l.startsWith("berth_admission_review_duration_seconds_count"))
        .reduce((n, l) => n + Number(l.split(" ").pop()), 0);
    /** Seconds Berth's scheduling cycles spent in each numbered step so far (its metrics). */
    const cycleSteps = async () => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const sums: Record<string, number> = {};
      for (const m of text.matchAll(/^berth_cycle_step_duration_seconds_sum\{step="([^"]+)"\} (\S+)$/gm))
        sums[m[1] as string] = Number(m[2]);
      return sums;
    };
    const stepsSince = (before: Record<string, number>, after: Record<string, number>) =>
      Object.fromEntries(
        Object.entries(after).map(([step, s]) => [step, Math.round((s - (before[step] ?? 0)) * 1000)]),
      );
    /** CPU milliseconds Berth and the API server spent, and reviews Berth answered, per operation of a phase. */
    // The rest of the control plane, to show where a launch's CPU goes on the shared cores.
    const others = cluster.processes.filter((p) => p.name !== "kube-apiserver" && p.pid);
    const cpuMeter = async () => {
      const b0 = await cpuSeconds(berthPid);
      const a0 = await cpuSeconds(apiserverPid);
      const o0 = await Promise.all(others.map((p) => cpuSeconds(p.pid)));
      const r0 = await reviewsAnswered();
      return async (ops: number) => {
        const o1 = await Promise.all(others.map((p) => cpuSeconds(p.pid)));
        return {
          berthCpuMsPerOp: +((((await cpuSeconds(berthPid)) - b0) * 1000) / ops).toFixed(2),
          apiserverCpuMsPerOp: +((((await cpuSeconds(apiserverPid)) - a0) * 1000) / ops).toFixed(2),
          othersCpuMsPerOp: Object.fromEntries(
            others.map((p, i) => [
              p.name,
              +((((o1[i] as number) - (o0[i] as number)) * 1000) / ops).toFixed(2),
            ]),
          ),
          admissionReviewsPerOp: +(((await reviewsAnswered()) - r0) / ops).toFixed(2),
        };
      };
    };
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      // biome-ignore lint/suspicious/noExplicitAny: the bench reads arbitrary JSON bodies
      const parsed = (await res.json()) as any;
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(parsed)}`);
      return parsed;
    };
    await api("POST", "/teams", { name: TEAM });
    await waitFor("Berth to know the bench pool", async () =>
      ((await api("GET", "/pools")).items as { name: string }[]).some((p) => p.name === "bench"),
    );

    // Watches: when each run's Job appears, and when its pod is bound, runs and finishes.
    const created = new Map<string, number>();
    const bound = new Map<string, number>();
    const running = new Map<string, number>();
    const succeeded = new Map<string, number>();
    const runKey = (labels: Record<string, string> | undefined) =>
      labels?.["berth.dev/job"] ? `${labels["berth.dev/job"]}#${labels["berth.dev/attempt"]}` : undefined;
    // Berth's own watch adapter: client-node's Watch gives up after 30 s without an event, and the
    // phases have quiet gaps longer than that; this one resumes from the last version it saw.
    const aborter = new AbortController();
    watches.push(aborter);
    const follow = <T extends { metadata?: { resourceVersion?: string } }>(
      path: string,
      list: () => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>,
      seen: (object: T) => void,
    ) =>
      (async () => {
        for await (const ev of watchStream<T>({
          config: admin,
          path,
          labelSelector: "berth.dev/job",
          list,
          signal: aborter.signal,
          timeoutSeconds: 25,
        })) {
          if (ev.type === "error") log(`watch ${path}: ${ev.error.message}`);
          else if (ev.type === "sync") ev.objects.forEach(seen);
          else seen(ev.object);
        }
      })();
    void follow<V1Job>(
      `/apis/batch/v1/namespaces/${NAMESPACE}/jobs`,
      () => batch.listNamespacedJob({ namespace: NAMESPACE, labelSelector: "berth.dev/job" }),
      (job) => {
        const k = runKey(job.metadata?.labels);
        if (k && !created.has(k)) created.set(k, now());
      },
    );
    void follow<V1Pod>(
      `/api/v1/namespaces/${NAMESPACE}/pods`,
      () => core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: "berth.dev/job" }),
      (pod) => {
        const k = runKey(pod.metadata?.labels);
        if (!k) return;
        const t = now();
        if (pod.spec?.nodeName && !bound.has(k)) bound.set(k, t);
        if (pod.status?.phase === "Running" && !running.has(k)) running.set(k, t);
        if (pod.status?.phase === "Succeeded" && !succeeded.has(k)) succeeded.set(k, t);
      },
    );

    // Reservations in force now (the current grid step), long enough for the whole run.
    const start = Math.floor(Date.now() / GRID) * GRID;
    const end = start + HOUR;
    /** JOBS one-GPU reservations from `from` to `to`, booked 16 at a time. */
    const bookAll = async (from: number, to: number) => {
      log(`booking ${JOBS} one-GPU reservations from ${new Date(from).toISOString()}`);
      const ids: string[] = [];
      for (let i = 0; i < JOBS; i += 16) {
        const batchOf = await Promise.all(
          Array.from({ length: Math.min(16, JOBS - i) }, () =>
            api("POST", "/reservations", {
              team: TEAM,
              pool: "bench",
              nodes: 1,
              gpusPerNode: 1,
              priority: "normal",
              start: new Date(from).toISOString(),
              end: new Date(to).toISOString(),
            }),
          ),
        );
        ids.push(...batchOf.map((r) => r.id as string));
      }
      return ids;
    };
    const reservations = await bookAll(start, end);
    const submit = (reservation: string, seconds: number) =>
      api("POST", "/jobs", {
        kind: "external",
        pool: "bench",
        gpus: 1,
        team: TEAM,
        reservation,
        spec: { image: "berth.invalid/sim:1", simDurationSeconds: seconds },
      });

    /** Until Berth records every job so far as finished (not only as the pods say). */
    const everyJobFinished = () =>
      waitFor(
        "Berth to record every job so far as finished",
        async () => {
          for (const state of ["queued", "admitted", "running"]) {
            if ((await api("GET", `/jobs?state=${state}&limit=1`)).items.length > 0) return false;
          }
          return true;
        },
        { timeoutMs: 600_000, intervalMs: 500 },
      );

    // 1. Latency at a steady rate.
    log(`latency: ${JOBS} jobs at ${RATE}/s`);
    const sent = new Map<string, number>();
    const latencyCpu = await cpuMeter();
    await paced(JOBS, RATE, async (i) => {
      const t = now();
      const job = await submit(reservations[i] as string, 1);
      sent.set(`${job.id}#1`, t);
    });
    await waitFor(
      "every run of the latency phase to finish",
      () => [...sent.keys()].every((k) => succeeded.has(k)),
      {
        timeoutMs: 600_000,
        intervalMs: 500,
      },
    );
    const since = (m: Map<string, number>, from: Map<string, number>) =>
      [...sent.keys()].flatMap((k) =>
        m.has(k) && from.has(k) ? [(m.get(k) as number) - (from.get(k) as number)] : [],
      );
    const latency = {
      cpuPerJob: await latencyCpu(JOBS),
      submitToJobCreatedMs: summary(since(created, sent)),
      submitToPodBoundMs: summary(since(bound, sent)),
      kwokStageDelays: {
        boundToRunningMs: summary(since(running, bound)),
        runningToSucceededMs: summary(since(succeeded, running)),
        note: "kwok's own stage delays (test/cluster/kwok/pod-stages.yaml; sim-duration 1 s), not Berth's",
      },
    };
    log(JSON.stringify(latency));

    // 2. Throughput: another job on every reservation, all at once.
    const burstPhase = async (applyConcurrency: number, on: readonly string[]) => {
      log(`throughput: ${JOBS} jobs submitted at once, launches sent ${applyConcurrency} at a time`);
      const burst = new Set<string>();
      const burstCpu = await cpuMeter();
      const burstStart = now();
      for (let i = 0; i < JOBS; i += 50) {
        const jobs = await Promise.all(on.slice(i, i + 50).map((r) => submit(r, 1)));
        for (const j of jobs) burst.add(`${j.id}#1`);
      }
      const submitted = now();
      await waitFor("every Job of the burst", () => [...burst].every((k) => created.has(k)), {
        timeoutMs: 600_000,
        intervalMs: 100,
      });
      const times = [...burst].map((k) => created.get(k) as number).sort((a, b) => a - b);
      const first = times[0] as number;
      const last = times[times.length - 1] as number;
      const result = {
        applyConcurrency,
        jobs: times.length,
        submitSeconds: +((submitted - burstStart) / 1000).toFixed(2),
        firstToLastCreatedSeconds: +((last - first) / 1000).toFixed(2),
        jobsCreatedPerSecond: Math.round((times.length - 1) / ((last - first) / 1000)),
        submitStartToLastCreatedSeconds: +((last - burstStart) / 1000).toFixed(2),
        cpuPerJob: await burstCpu(times.length),
      };
      log(JSON.stringify(result));
      return result;
    };
    const wide = await burstPhase(16, reservations);
    await everyJobFinished();

    // 3. Admission reviews at 50/s: to the webhook directly, then through the API server.
    const ca = await readFile(join(dataDir, "admission", "ca.crt"), "utf8");
    const reviewJob = (i: number): V1Job => ({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name: `review-${i}`,
        namespace: NAMESPACE,
        labels: { "berth.dev/reservation": reservations[i % reservations.length] as string },
      },
      spec: {
        suspend: true,
        template: {
          spec: {
            restartPolicy: "Never",
            containers: [
              {
                name: "main",
                image: "berth.invalid/sim:1",
                resources: { limits: { "nvidia.com/gpu": "1" } },
              },
            ],
          },
        },
      },
    });
    const refused: string[] = [];
    // Kept-alive connections, as the API server's webhook client keeps them.
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const post = (i: number) =>
      new Promise<number>((resolve, reject) => {
        const t = now();
        const body = JSON.stringify({
          apiVersion: "admission.k8s.io/v1",
          kind: "AdmissionReview",
          request: {
            uid: `bench-${i}`,
            operation: "CREATE",
            namespace: NAMESPACE,
            name: `review-${i}`,
            userInfo: { username: "bench-user" },
            object: reviewJob(i),
          },
        });
        const req = request(
          {
            host: "127.0.0.1",
            port: admissionPort,
            path: "/validate-jobs",
            method: "POST",
            ca,
            agent,
          },
          (res) => {
            let text = "";
            res.on("data", (d) => (text += d));
            res.on("end", () => {
              if (JSON.parse(text).response?.allowed !== true) refused.push(text);
              resolve(now() - t);
            });
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    log(`admission: ${REVIEWS} reviews at 50/s to the webhook`);
    const directCpu = await cpuMeter();
    const direct = await paced(REVIEWS, 50, post);
    const directCpuPerReview = await directCpu(REVIEWS);
    log(`admission: ${REVIEWS} server-side dry-run creates at 50/s through the API server`);
    const viaApiCpu = await cpuMeter();
    const viaApi = await paced(REVIEWS, 50, async (i) => {
      const t = now();
      await batch
        .createNamespacedJob({ namespace: NAMESPACE, body: reviewJob(i), dryRun: "All" })
        .catch((err: unknown) => refused.push(String((err as Error).message).slice(0, 300)));
      return now() - t;
    });
    const viaApiCpuPerCreate = await viaApiCpu(REVIEWS);
    const admission = {
      cpuPerReview: directCpuPerReview,
      cpuPerDryRunCreate: viaApiCpuPerCreate,
      webhookReviewMs: {
        ...summary(direct),
        p99: +pct(direct, 99).toFixed(2),
        p50: +pct(direct, 50).toFixed(2),
      },
      apiServerDryRunCreateMs: {
        ...summary(viaApi),
        p99: +pct(viaApi, 99).toFixed(2),
        p50: +pct(viaApi, 50).toFixed(2),
      },
      ratePerSecond: 50,
      refused: refused.length,
      firstRefusal: refused[0],
      note: "webhook: up to 8 kept-alive TLS connections; the dry run goes through the API server, which calls both webhooks and evaluates the toleration policy",
    };
    log(JSON.stringify(admission));

    // 4. Every reservation starting at the same minute, a job queued on each.
    log(`start: cancelling the first ${JOBS} reservations`);
    for (let i = 0; i < JOBS; i += 16)
      await Promise.all(reservations.slice(i, i + 16).map((id) => api("DELETE", `/reservations/${id}`)));
    // Far enough ahead to book and queue everything before the start.
    const startsAt = Math.ceil((Date.now() + 45_000) / GRID) * GRID;
    const starting = await bookAll(startsAt, startsAt + HOUR);
    const queued = new Set<string>();
    for (let i = 0; i < JOBS; i += 50) {
      const jobs = await Promise.all(starting.slice(i, i + 50).map((r) => submit(r, 30)));
      for (const j of jobs) queued.add(`${j.id}#1`);
    }
    if (Date.now() >= startsAt) throw new Error("booking and queueing took past the start: raise the lead");
    log(`start: ${JOBS} jobs queued, reservations start at ${new Date(startsAt).toISOString()}`);
    await sleep(startsAt - Date.now() - 2_000);
    const startCpu = await cpuMeter();
    const stepsBefore = await cycleSteps();
    // The start on this process's clock (performance.now), as the watches stamp events.
    const startMark = now() + (startsAt - Date.now());
    await waitFor("every Job of the start", () => [...queued].every((k) => created.has(k)), {
      timeoutMs: 600_000,
      intervalMs: 100,
    });
    const startCreated = [...queued].map((k) => (created.get(k) as number) - startMark);
    const startCreatedSorted = [...startCreated].sort((a, b) => a - b);
    const firstCreated = startCreatedSorted[0] as number;
    const lastCreated = startCreatedSorted[startCreatedSorted.length - 1] as number;
    const startCpuPerJob = await startCpu(JOBS);
    const startSteps = stepsSince(stepsBefore, await cycleSteps());
    await waitFor("every pod of the start bound", () => [...queued].every((k) => bound.has(k)), {
      timeoutMs: 600_000,
      intervalMs: 100,
    });
    const reservationStart = {
      jobs: JOBS,
      startToJobCreatedMs: summary(startCreated),
      startToPodBoundMs: summary([...queued].map((k) => (bound.get(k) as number) - startMark)),
      firstToLastCreatedSeconds: +((lastCreated - firstCreated) / 1000).toFixed(2),
      jobsCreatedPerSecond: Math.round((JOBS - 1) / ((lastCreated - firstCreated) / 1000)),
      startToLastCreatedSeconds: +(lastCreated / 1000).toFixed(2),
      cpuPerJob: startCpuPerJob,
      cycleStepMs: startSteps,
      note: "CPU per Job and cycle step times from 2 s before the start until the last Job is created",
    };
    log(JSON.stringify(reservationStart));
    await everyJobFinished();

    // 2b. The same burst with launches sent one at a time, on the start phase's reservations once
    // their jobs are finished as Berth has recorded them (a report still on its way to the database
    // when Berth stops is not delivered again by the next Berth): Berth restarts with
    // BERTH_APPLY_CONCURRENCY=1 and leads before the burst.
    await berth.kill("SIGTERM");
    berth = await startBerthProcess({ ...berthEnv, BERTH_APPLY_CONCURRENCY: "1" });
    url = berth.url;
    berthPid = berth.child.pid;
    await waitFor(
      "the restarted Berth to lead",
      async () => /^berth_leader 1$/m.test(await (await fetch(`${url}/metrics`)).text()),
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const serial = await burstPhase(1, starting);
    const throughput = {
      ...wide,
      oneAtATime: serial,
      note: "the one-at-a-time burst runs last, on the start phase's reservations, with 1,500 more jobs in the database than the first burst met",
    };

    const results = {
      at: new Date().toISOString(),
      command: `flock /tmp/berth-kube.lock npm run bench:launch -- --jobs ${JOBS} --rate ${RATE} --reviews ${REVIEWS}`,
      latency: { ...latency, jobs: JOBS, ratePerSecond: RATE },
      reservationStart,
      throughput,
      admission,
    };
    await writeFile(opts.out, `${JSON.stringify(results, null, 2)}\n`);
    console.log(JSON.stringify(results, null, 2));
  } finally {
    for (const w of watches) w.abort();
    await berth?.kill("SIGTERM");
    await postgres.stop();
    await rm(dataDir, { recursive: true, force: true });
    const { survivors } = await down(cluster);
    if (survivors.length > 0) console.error(`bench:launch: cluster processes survived: ${survivors.length}`);
  }
}

await main();
