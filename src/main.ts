// Composition root: config -> database (migrated) -> services -> HTTP + loop; graceful shutdown.
// `npm start` runs `tsx src/main.ts serve`: run directly, this file hands argv to the CLI.

import type { Server } from "node:http";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { type Logger, pino } from "pino";
import { openDatabase } from "./adapters/db/connect.ts";
import { migrate } from "./adapters/db/migrate.ts";
import { createDemoExecutor } from "./adapters/demo/demo-executor.ts";
import { fetchWebhookSender } from "./adapters/http/webhook-sender.ts";
import { discoverInventory } from "./adapters/kube/inventory.ts";
import { watchInventory } from "./adapters/kube/inventory-watch.ts";
import { kubeConfigFromEnvironment } from "./adapters/kube/kube-config.ts";
import { KubernetesExecutor } from "./adapters/kube/kubernetes-executor.ts";
import { namespaceByTeamLabel } from "./adapters/kube/team-namespaces.ts";
import { createApp } from "./api/app.ts";
import { createMetrics } from "./api/metrics.ts";
import { systemClock } from "./basics/clock.ts";
import { type Config, ConfigError } from "./config.ts";
import { DEFAULT_BOOKING_RULES } from "./core/index.ts";
import { bootstrapAdmin } from "./services/access/auth.ts";
import { createBookingState } from "./services/booking/booking-state.ts";
import type { ChangeHint, ServiceContext } from "./services/context.ts";
import { seedDemoCluster } from "./services/inventory/demo-cluster.ts";
import { syncInventory } from "./services/inventory/inventory-sync.ts";
import { EventHub } from "./services/notify/event-hub.ts";
import type { Executor } from "./services/ports.ts";
import { recordExecutorEvent } from "./services/scheduling/executor-events.ts";
import { startLoop } from "./services/scheduling/loop.ts";
import { relaunchRuns } from "./services/scheduling/scheduling-cycle.ts";
import { runTick } from "./services/scheduling/tick.ts";

export interface RunningBerth {
  readonly url: string;
  readonly logger: Logger;
  close(): Promise<void>;
  /** SIGTERM / SIGINT close the server, finish the running tick, close the database, exit. */
  closeOnSignals(): void;
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

/** The Kubernetes executor on the discovered inventory, which is synced now and kept current. */
async function kubernetesExecutor(
  ctx: ServiceContext,
  kc: KubeConfig,
  env: NodeJS.ProcessEnv,
  logger: Logger,
) {
  const core = kc.makeApiClient(CoreV1Api);
  let inventory = await discoverInventory(core);
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
  const runner = new KubernetesExecutor({
    kubeconfig: kc,
    namespace: env.BERTH_NAMESPACE || namespaceByTeamLabel(core), // empty counts as unset
    graceSeconds: 120,
    perGpu,
    onError: (err) => logger.warn({ err }, "kubernetes executor"),
  });
  const aborter = new AbortController();
  const watching = (async () => {
    for await (const next of watchInventory({
      kubeconfig: kc,
      signal: aborter.signal,
      onError: (err) => logger.warn({ err }, "inventory watch"),
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
  return {
    runner,
    async stopWatching() {
      aborter.abort();
      await watching;
    },
  };
}

export async function startBerth(
  config: Config,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningBerth> {
  // Before anything opens: a missing Kubernetes configuration fails fast, with nothing to undo.
  const executor = chooseExecutor(config, env);
  const logger = pino({
    level: config.logLevel,
    redact: ["req.headers.authorization", "*.token", "*.secret"],
  });
  const handle = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
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
  const migrated = await migrate(handle.db);
  logger.info({ applied: migrated.applied, alreadyApplied: migrated.alreadyApplied.length }, "migrations");

  const hub = new EventHub();
  const metrics = createMetrics();
  let wakeLoop = (_hint?: ChangeHint) => {};
  const ctx: ServiceContext = {
    db: handle.db,
    dbKind: handle.kind,
    clock: systemClock,
    rules: DEFAULT_BOOKING_RULES,
    logger,
    booking: createBookingState(),
    changed: (hint) => {
      hub.poke();
      wakeLoop(hint);
    },
  };
  const admin = await bootstrapAdmin(ctx, { adminToken: config.adminToken, dataDir: config.dataDir });
  if (admin.source === "file")
    logger.info({ path: admin.path }, "admin token: read it from this file (mode 0600)");
  else logger.info("admin token: from BERTH_ADMIN_TOKEN");

  let runner: Executor;
  let stopWatching = async () => {};
  if (executor.executor === "kubernetes") {
    logger.info(
      { executor: "kubernetes", cluster: executor.kubeconfig.getCurrentCluster()?.server },
      "executor",
    );
    try {
      ({ runner, stopWatching } = await kubernetesExecutor(ctx, executor.kubeconfig, env, logger));
    } catch (err) {
      // An unreachable cluster or missing rights: nothing is served, so close the database.
      await handle.close();
      throw err;
    }
  } else {
    logger.warn(
      { executor: executor.executor, why: executor.why },
      "SIMULATED demo cluster: no real GPUs run jobs",
    );
    const seeded = await seedDemoCluster(ctx);
    if (seeded.length > 0) logger.info({ pools: seeded }, "demo pools created");
    runner = createDemoExecutor({ now: () => Date.now(), defaultDurationSeconds: 600 });
  }
  runner.onEvent((e) => {
    recordExecutorEvent({ ctx, onEvictionToFree: (s) => metrics.evictionToFreeSeconds.observe(s) }, e).catch(
      (err) => logger.error({ err, job: e.job }, "recording an executor report failed"),
    );
  });
  const relaunched = await relaunchRuns(ctx, runner);
  if (relaunched > 0) logger.info({ relaunched }, "runs the executor did not know were launched again");

  const loop = startLoop({
    tick: (now) =>
      runTick(
        {
          ctx,
          sendWebhook: fetchWebhookSender,
          noShowSeconds: config.noShowSeconds,
          executor: runner,
          onDecision: (kind) => metrics.decisions.inc({ kind }),
        },
        now,
      ),
    now: () => Date.now(),
    tickSeconds: config.tickSeconds,
    logger: logger.child({ component: "loop" }),
    onTickSeconds: (s) => metrics.tickSeconds.observe(s),
  });
  wakeLoop = (hint) => (hint ? loop.wakeBy(hint.wakeAt) : loop.wake());

  const { app } = createApp({
    ctx,
    hub,
    metrics,
    logger,
    rateLimit: config.rateLimit,
    bodyLimit: config.bodyLimit,
    info: {
      database: handle.kind,
      executor: executor.executor,
      simulated: executor.executor === "simulated",
    },
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
      await loop.stop();
      await stopWatching();
      await runner.close();
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
