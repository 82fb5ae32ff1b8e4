// Composition root: config -> database (migrated) -> services -> HTTP + loop; graceful shutdown.
// `npm start` runs `bin/berth.js serve`; run directly (`node src/main.ts serve`), this file hands
// argv to the CLI.

import { mkdir } from "node:fs/promises";
import type { Server } from "node:http";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { openDatabase } from "./adapters/db/connect.ts";
import { changeNotifier, type PostgresSession, postgresSession } from "./adapters/db/leadership.ts";
import { migrate } from "./adapters/db/migrate.ts";
import { createDemoExecutor } from "./adapters/demo/demo-executor.ts";
import { webhookSender } from "./adapters/http/webhook-sender.ts";
import { startAdmission } from "./adapters/kube/admission/admission.ts";
import type { AdmissionReviewOutcome } from "./adapters/kube/admission/admission-server.ts";
import { serveAdmissionInCluster } from "./adapters/kube/admission/in-cluster.ts";
import { discoverInventory } from "./adapters/kube/inventory.ts";
import { watchInventory } from "./adapters/kube/inventory-watch.ts";
import { kubeConfigFromEnvironment } from "./adapters/kube/kube-config.ts";
import { watchKubectlJobs } from "./adapters/kube/kubectl-job-watch.ts";
import { KubernetesExecutor } from "./adapters/kube/kubernetes-executor.ts";
import { leaseLeadership } from "./adapters/kube/lease-leadership.ts";
import { watchRunPods } from "./adapters/kube/run-pod-watch.ts";
import { namespaceByTeamLabel } from "./adapters/kube/team-namespaces.ts";
import { createLogger } from "./adapters/log/create-logger.ts";
import { createApp } from "./api/app.ts";
import { createMetrics, type Metrics } from "./api/metrics.ts";
import { systemClock } from "./basics/clock.ts";
import { type Config, ConfigError } from "./config.ts";
import type { Usage } from "./core/pool-usage.ts";
import { bootstrapAdmin } from "./services/access/auth.ts";
import { loadSecretKey } from "./services/access/secret-key.ts";
import { checkKubectlJob } from "./services/admission/check-kubectl-job.ts";
import { kubectlJobGone, kubectlJobsListed, registerKubectlJob } from "./services/admission/kubectl-jobs.ts";
import { createBookingState } from "./services/booking/booking-state.ts";
import type { ChangeHint, ServiceContext } from "./services/context.ts";
import { seedDemoCluster } from "./services/inventory/demo-cluster.ts";
import { syncInventory } from "./services/inventory/inventory-sync.ts";
import { type Leadership, leaderWorkers, soleLeadership } from "./services/leadership/leadership.ts";
import { EventHub } from "./services/notify/event-hub.ts";
import { WebhookDispatcher } from "./services/notify/webhook-dispatcher.ts";
import { sealPlainWebhookSecrets, useWebhookSecretKey } from "./services/notify/webhook-secrets.ts";
import { webhookTargets } from "./services/notify/webhooks.ts";
import type { Executor, ExecutorEvent, KubectlJobFacts } from "./services/ports.ts";
import { startRetention } from "./services/retention/retention.ts";
import { recordExecutorEvent } from "./services/scheduling/executor-events.ts";
import type { JobKindSettings } from "./services/scheduling/job-kinds/job-kind.ts";
import { type Loop, startLoop } from "./services/scheduling/loop.ts";
import { recordRunProblem } from "./services/scheduling/run-problems.ts";
import { relaunchRuns } from "./services/scheduling/scheduling-cycle.ts";
import { runTick } from "./services/scheduling/tick.ts";

export interface RunningBerth {
  readonly url: string;
  readonly logger: Logger;
  close(): Promise<void>;
  /** SIGTERM / SIGINT close the server, finish the running tick, close the database, exit. */
  closeOnSignals(): void;
}

/** The `berth` command as this process runs it: the same Node, bin/berth.js (one process). */
function localBerthCommand(): string[] {
  return [process.execPath, fileURLToPath(new URL("../bin/berth.js", import.meta.url))];
}

/** Which executor runs jobs: Kubernetes when asked for (or, under `auto`, when credentials exist). */
function chooseExecutor(
  config: Config,
  env: NodeJS.ProcessEnv,
): { executor: "kubernetes"; kubeconfig: KubeConfig } | { executor: "simulated"; why: string } {
  if (config.executor === "simulated") return { executor: "simulated", why: "BERTH_EXECUTOR=simulated" };
  const kubeconfig = kubeConfigFromEnvironment(env);
  if (kubeconfig) return { executor: "kubernetes", kubeconfig };
  if (config.executor === "kubernetes") {
    throw new ConfigError(
      "BERTH_EXECUTOR=kubernetes but no Kubernetes credentials were found: set KUBECONFIG (or ~/.kube/config), or run in a cluster",
    );
  }
  return { executor: "simulated", why: "no kubeconfig or in-cluster config found" };
}

/**
 * The cluster side of the leader: the inventory synced now and kept current by a Node watch, and
 * the executor whose Job watch reports runs. Both run only on the leader; `stop` ends the watches.
 */
async function startClusterWatches(
  ctx: ServiceContext,
  kc: KubeConfig,
  env: NodeJS.ProcessEnv,
  logger: Logger,
  onEvent: (e: ExecutorEvent) => void,
  pods: {
    readonly notReadyMs: number;
    readonly unschedulableMs: number;
    readonly onForeignGpus: (byNode: ReadonlyMap<string, number>) => void;
  },
): Promise<{ runner: Executor; stop(): Promise<void> }> {
  const core = kc.makeApiClient(CoreV1Api);
  let inventory = await discoverInventory(core, { now: Date.now(), notReadyMs: pods.notReadyMs });
  const synced = await syncInventory(ctx, inventory);
  logger.info({ pools: synced.pools, nodes: synced.nodes, down: synced.vanished }, "cluster inventory");
  // Each run asks for the CPU and memory that come with its GPUs on the pool of its node.
  const perGpu = (node: string) => {
    const pool = inventory.pools.find((p) => p.name === inventory.nodes.find((n) => n.name === node)?.pool);
    if (!pool) return undefined;
    return {
      ...(pool.cpuMilliPerGpu !== undefined ? { cpuMilli: pool.cpuMilliPerGpu } : {}),
      ...(pool.memoryMiBPerGpu !== undefined ? { memoryMiB: pool.memoryMiBPerGpu } : {}),
    };
  };
  const namespace = env.BERTH_NAMESPACE || namespaceByTeamLabel(core); // empty counts as unset
  const runner = new KubernetesExecutor({
    kubeconfig: kc,
    namespace,
    graceSeconds: 120,
    perGpu,
    onError: (err) => logger.warn({ err }, "kubernetes executor"),
  });
  runner.onEvent(onEvent);
  const aborter = new AbortController();
  const watching = (async () => {
    for await (const next of watchInventory({
      kubeconfig: kc,
      signal: aborter.signal,
      onError: (err) => logger.warn({ err }, "inventory watch"),
      notReadyMs: pods.notReadyMs,
    })) {
      inventory = next;
      try {
        const s = await syncInventory(ctx, next);
        logger.info({ pools: s.pools, nodes: s.nodes, down: s.vanished }, "cluster inventory changed");
      } catch (err) {
        logger.error({ err }, "syncing the cluster inventory failed");
      }
    }
  })().catch((err) => {
    if (!aborter.signal.aborted) logger.error({ err }, "the inventory watch ended");
  });
  // Runs' pods that fail in ways their Job does not show, and GPUs of pods Berth does not manage.
  const watchingPods = watchRunPods({
    kubeconfig: kc,
    signal: aborter.signal,
    namespace,
    unschedulableAfterMs: pods.unschedulableMs,
    onProblem: (p) =>
      recordRunProblem(ctx, p).catch((err) =>
        logger.error({ err, job: p.job }, "recording a run's pod problem failed"),
      ),
    onForeignGpus: (byNode) => {
      pods.onForeignGpus(byNode);
      logger.info({ nodes: Object.fromEntries(byNode) }, "GPUs held by pods Berth does not manage");
      ctx.changed();
    },
    onError: (err) => logger.warn({ err }, "pod watch"),
  }).catch((err) => {
    if (!aborter.signal.aborted) logger.error({ err }, "the pod watch ended");
  });
  return {
    runner,
    async stop() {
      aborter.abort();
      await watching;
      await watchingPods;
      await runner.close();
    },
  };
}

/**
 * kubectl users' Jobs: registered as jobs when first seen, cancelled when deleted, their runs
 * reported like Berth's own. Returns what stops the watch.
 */
function watchKubectlJobsOf(
  ctx: ServiceContext,
  kc: KubeConfig,
  report: (e: ExecutorEvent) => void,
  logger: Logger,
): () => Promise<void> {
  const aborter = new AbortController();
  const watching = watchKubectlJobs({
    kubeconfig: kc,
    signal: aborter.signal,
    onJob: async (seen) => {
      await registerKubectlJob(ctx, seen);
    },
    onGone: (ref) => kubectlJobGone(ctx, ref),
    onSync: (uids) => kubectlJobsListed(ctx, uids),
    onReport: report,
    onError: (err) => logger.warn({ err }, "kubectl Job watch"),
  }).catch((err) => {
    if (!aborter.signal.aborted) logger.error({ err }, "the kubectl Job watch ended");
  });
  return async () => {
    aborter.abort();
    await watching;
  };
}

/** Who leads: a Lease on Kubernetes, the advisory lock elsewhere, the one process with PGlite. */
function electLeader(
  config: Config,
  executor: ReturnType<typeof chooseExecutor>,
  session: PostgresSession | undefined,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): Leadership {
  if (!session) return soleLeadership();
  if (executor.executor !== "kubernetes") return session.leadership;
  const kc = executor.kubeconfig;
  return leaseLeadership({
    kubeconfig: kc,
    // In a pod the context's namespace is the pod's own (loadFromCluster reads it).
    namespace:
      config.lease.namespace ??
      kc.getContextObject(kc.getCurrentContext())?.namespace ??
      (env.BERTH_NAMESPACE || "default"),
    name: config.lease.name,
    identity: config.lease.identity ?? `${hostname()}-${process.pid}`,
    leaseSeconds: config.lease.seconds,
    logger,
  });
}

export async function startBerth(
  config: Config,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningBerth> {
  // Before anything opens: a missing Kubernetes configuration fails fast, with nothing to undo.
  const executor = chooseExecutor(config, env);
  const logger = createLogger({
    level: config.logLevel,
    format: config.logFormat,
    isTerminal: process.stdout.isTTY === true,
  });
  const handle = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    lockTimeoutMs: config.dbLockTimeoutMs,
    statementTimeoutMs: config.dbStatementTimeoutMs,
    onIdleError: (err) => logger.warn({ err }, "database connection dropped"),
  });
  if (handle.kind === "pglite") {
    logger.warn(
      { dataDir: handle.where },
      "embedded PGlite: one session, so a single replica only; set DATABASE_URL to a PostgreSQL for HA",
    );
  } else {
    logger.info({ database: handle.where }, "PostgreSQL");
  }
  if (config.faultKillAfterBookingCommit)
    logger.warn(
      "fault injection on: the process kills itself after the first booking it commits (tests only)",
    );
  if (config.faultKillBeforeAnswer)
    logger.warn(
      "fault injection on: the process kills itself before the first 2xx answer to a keyed POST (tests only)",
    );
  const migrated = await migrate(handle.db);
  logger.info({ applied: migrated.applied, alreadyApplied: migrated.alreadyApplied.length }, "migrations");

  // One replica runs the loop, the watches and the deliveries (src/services/leadership/leadership.ts).
  const leaderLog = logger.child({ component: "leader" });
  const session =
    handle.kind === "postgres" && config.databaseUrl
      ? postgresSession({
          databaseUrl: config.databaseUrl,
          lockKey: executor.executor === "kubernetes" ? null : "berth-leader",
          logger: leaderLog,
        })
      : undefined;
  const leadership = electLeader(config, executor, session, env, leaderLog);
  const workers = leaderWorkers({ leadership, logger: leaderLog });
  const notifyLeader = handle.kind === "postgres" ? changeNotifier(handle.db, logger) : () => {};
  const hub = new EventHub();
  const metrics = createMetrics();
  let wake = (_hint?: ChangeHint) => {};
  const ctx: ServiceContext = {
    db: handle.db,
    dbKind: handle.kind,
    clock: systemClock,
    rules: config.bookingRules,
    logger,
    booking: createBookingState(
      config.faultKillAfterBookingCommit ? { afterCommit: () => process.kill(process.pid, "SIGKILL") } : {},
    ),
    changed: (hint) => {
      hub.poke();
      wake(hint);
      // The loop that must hear of it runs on another replica.
      if (!leadership.isLeader()) notifyLeader();
    },
  };
  const admin = await bootstrapAdmin(ctx, { adminToken: config.adminToken, dataDir: config.dataDir });
  if (admin.source === "file")
    logger.info({ path: admin.path }, "admin token: read it from this file (mode 0600)");
  else logger.info("admin token: from BERTH_ADMIN_TOKEN");
  if (admin.revoked) logger.warn("the configured admin token was revoked and stays so: configure a new one");
  const secretKey = await loadSecretKey({ secretKey: config.secretKey, dataDir: config.dataDir });
  useWebhookSecretKey(secretKey.key);
  if (secretKey.source === "file")
    logger.info(
      { path: secretKey.path },
      "secrets at rest are sealed with the key in this file (mode 0600); set BERTH_SECRET_KEY to manage it yourself",
    );
  else logger.info("secrets at rest: sealed with BERTH_SECRET_KEY");
  const sealed = await sealPlainWebhookSecrets(ctx);
  if (sealed > 0) logger.info({ webhooks: sealed }, "webhook secrets stored in plain text were sealed");
  const sendWebhook = webhookSender(webhookTargets(config.webhookAllow));

  let runner: Executor | undefined;
  /** Per node, GPUs held by pods Berth does not manage (the leader's pod watch keeps it). */
  let foreignGpus: ReadonlyMap<string, number> = new Map();
  let stopAdmission = async () => {};
  let kinds: JobKindSettings = { berthImage: config.berthImage };
  const recordReport = (e: ExecutorEvent) =>
    recordExecutorEvent({ ctx, onEvictionToFree: (s) => metrics.evictionToFreeSeconds.observe(s) }, e).catch(
      (err) => logger.error({ err, job: e.job }, "recording an executor report failed"),
    );
  if (executor.executor === "kubernetes") {
    const kc = executor.kubeconfig;
    logger.info({ executor: "kubernetes", cluster: kc.getCurrentCluster()?.server }, "executor");
    try {
      // Every replica checks the cluster answers with the rights Berth needs, before serving.
      await discoverInventory(kc.makeApiClient(CoreV1Api));
      // Outside the cluster Berth registers its webhooks at its own URL; inside, the manifests do.
      const admissionBase = {
        kubeconfig: kc,
        check: (facts: KubectlJobFacts) => checkKubectlJob(ctx, facts),
        logger: logger.child({ component: "admission" }),
        onReview: (r: AdmissionReviewOutcome) =>
          metrics.admissionReviewSeconds.observe({ webhook: r.webhook, verdict: r.verdict }, r.seconds),
      };
      const admission = config.admissionUrl
        ? await startAdmission({
            ...admissionBase,
            url: config.admissionUrl,
            dataDir: config.dataDir,
            now: Date.now(),
          })
        : config.admissionTlsDir
          ? await serveAdmissionInCluster({
              ...admissionBase,
              tlsDir: config.admissionTlsDir,
              port: config.admissionPort,
            })
          : undefined;
      if (admission) stopAdmission = admission.close;
    } catch (err) {
      // An unreachable cluster or missing rights: nothing is served, so close the database.
      await leadership.stop();
      await session?.stop();
      await handle.close();
      throw err;
    }
    let cluster: Awaited<ReturnType<typeof startClusterWatches>> | undefined;
    // kubectl users' Jobs are watched by the leader alone, like Berth's own.
    let stopKubectlJobs: (() => Promise<void>) | undefined;
    workers.add({
      name: "cluster watches and executor",
      async start() {
        cluster = await startClusterWatches(ctx, kc, env, logger, recordReport, {
          notReadyMs: config.nodeNotReadySeconds * 1000,
          unschedulableMs: config.unschedulableSeconds * 1000,
          onForeignGpus: (byNode) => {
            foreignGpus = byNode;
          },
        });
        runner = cluster.runner;
        stopKubectlJobs = watchKubectlJobsOf(ctx, kc, recordReport, logger);
      },
      async stop() {
        runner = undefined;
        await stopKubectlJobs?.();
        stopKubectlJobs = undefined;
        await cluster?.stop();
        cluster = undefined;
      },
    });
  } else {
    logger.warn(
      { executor: executor.executor, why: executor.why },
      "SIMULATED demo cluster: no real GPUs run jobs",
    );
    const seeded = await seedDemoCluster(ctx);
    if (seeded.length > 0) logger.info({ pools: seeded }, "demo pools created");
    const demo = createDemoExecutor({ now: () => Date.now(), defaultDurationSeconds: 600 });
    demo.onEvent(recordReport);
    runner = demo;
    // Validations run for real here, as `berth validate` processes on the CPU.
    const resultDir = join(config.dataDir, "runs");
    await mkdir(resultDir, { recursive: true });
    kinds = { ...kinds, local: { berth: localBerthCommand(), resultDir } };
  }

  let loop: Loop | undefined;
  let webhooks: Loop | undefined;
  const wakeLoop = (hint?: ChangeHint) => {
    if (hint) loop?.wakeBy(hint.wakeAt);
    else loop?.wake();
    webhooks?.wake();
  };
  wake = wakeLoop;
  workers.add({
    name: "scheduling loop",
    async start() {
      const executorNow = runner;
      if (!executorNow) throw new Error("no executor to launch runs with");
      // Runs the database says are live but the executor does not know are launched again.
      const relaunched = await relaunchRuns(ctx, executorNow, kinds);
      if (relaunched > 0) logger.info({ relaunched }, "runs the executor did not know were launched again");
      loop = startLoop({
        tick: (now) =>
          runTick(
            {
              ctx,
              noShowSeconds: config.noShowSeconds,
              executor: executorNow,
              kinds,
              onStep: (step, seconds) => metrics.cycleStepSeconds.observe({ step }, seconds),
              onUsage: (usage) => recordUsage(metrics, usage),
              onDecision: (kind) => metrics.decisions.inc({ kind }),
              applyConcurrency: config.applyConcurrency,
              foreignGpus: () => foreignGpus,
            },
            now,
          ),
        now: () => Date.now(),
        tickSeconds: config.tickSeconds,
        logger: logger.child({ component: "loop" }),
        onTickSeconds: (s) => metrics.tickSeconds.observe(s),
      });
    },
    async stop() {
      await loop?.stop();
      loop = undefined;
    },
  });
  // Webhooks run beside the scheduling loop on a loop of their own (same wake and no-overlap rules),
  // so a receiver that never answers delays nobody's admission.
  const dispatcher = new WebhookDispatcher({ ctx, send: sendWebhook });
  workers.add({
    name: "webhook deliveries",
    start() {
      webhooks = startLoop({
        tick: async (now) => {
          await dispatcher.deliverDue(now);
          return { nextWakeAt: await dispatcher.nextDueAt() };
        },
        now: () => Date.now(),
        tickSeconds: config.tickSeconds,
        logger: logger.child({ component: "webhooks" }),
      });
    },
    async stop() {
      await webhooks?.stop();
      webhooks = undefined;
    },
  });
  let retention: { stop(): Promise<void> } | undefined;
  workers.add({
    name: "retention",
    start() {
      retention = startRetention(ctx, config.retention, config.retention.everySeconds * 1000);
    },
    async stop() {
      await retention?.stop();
      retention = undefined;
    },
  });
  session?.onNotify(wakeLoop);
  leadership.onChange((leader) => metrics.leader.set(leader ? 1 : 0));
  metrics.leader.set(leadership.isLeader() ? 1 : 0);
  // With one process (PGlite) the workers start before the API listens; replicas start theirs when
  // elected.
  await workers.start();

  const { app } = createApp({
    ctx,
    hub,
    metrics,
    logger,
    rateLimit: config.rateLimit,
    bodyLimit: config.bodyLimit,
    security: {
      memberTokenTtlSeconds: config.memberTokenTtlSeconds,
      webhookAllow: config.webhookAllow,
      maxStreamsPerToken: config.streamsPerToken,
    },
    info: {
      database: handle.kind,
      executor: executor.executor,
      simulated: executor.executor === "simulated",
    },
    ...(config.faultKillBeforeAnswer
      ? { faults: { beforeAnswer: () => process.kill(process.pid, "SIGKILL") } }
      : {}),
  });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once("error", reject);
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : config.port;
  const url = `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${port}`;
  logger.info({ url, api: `${url}/api/v1`, openapi: `${url}/openapi.json` }, "Berth is listening");

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      logger.info("shutting down");
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      // Event streams never end on their own.
      setTimeout(() => server.closeAllConnections(), 2_000).unref();
      await stopAdmission();
      // The leader's work ends before the leadership is handed back, so no two replicas overlap.
      await workers.stop();
      await leadership.stop();
      await session?.stop();
      if (executor.executor !== "kubernetes") await runner?.close();
      await closed;
      await handle.close();
      logger.info("stopped");
    })();
    return closing;
  };
  return {
    url,
    logger,
    close,
    closeOnSignals() {
      for (const sig of ["SIGTERM", "SIGINT"] as const) {
        process.once(sig, () => {
          close().then(
            () => process.exit(0),
            (err) => {
              logger.error({ err }, "shutdown failed");
              process.exit(1);
            },
          );
        });
      }
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  // Not awaited: `serve` imports this module back, which must finish evaluating first.
  void import("./cli/main.ts");
}

/** The pool and queue gauges, from one cycle's view. */
function recordUsage(metrics: Metrics, usage: Usage): void {
  for (const [pool, u] of Object.entries(usage.pools)) {
    metrics.poolGpus.set({ pool, kind: "booked" }, u.booked);
    metrics.poolGpus.set({ pool, kind: "running" }, u.running);
    metrics.poolGpus.set({ pool, kind: "lent" }, u.lent);
    metrics.poolGpus.set({ pool, kind: "idle_reserved" }, u.idleReserved);
  }
  for (const [priority, n] of Object.entries(usage.queued)) metrics.queuedJobs.set({ priority }, n);
}
