// Two `berth serve` replicas on one PostgreSQL and the test cluster, as the Deployment runs them,
// each acting as the base's ServiceAccount: the Lease elects one, which alone runs the loop and the
// cluster watches; jobs submitted to the other are launched at once (the change reaches the leader
// over LISTEN/NOTIFY; the safety tick is an hour away). SIGKILL the leader while it launches: the
// other takes the Lease over within the lease time and finishes the work, with exactly one Job per
// run and no decision, event or audit entry made twice or lost.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoordinationV1Api } from "@kubernetes/client-node";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { waitFor } from "../cluster/wait.ts";
import { type PostgresServer, startPostgres } from "../support/postgres-server.ts";
import { type Berth, listeningUrl, logLines, restClient, serve, stopBerth } from "./support/berth-serve.ts";
import { useNamespace } from "./support/namespace.ts";

const ADMIN_TOKEN = `lease-admin-${randomBytes(12).toString("hex")}`;
const LEASE_SECONDS = 6;
const JOBS = 8;

describe("two replicas elected by a Lease", () => {
  const ns = useNamespace("lease");
  const lease = `berth-leader-test-${randomBytes(3).toString("hex")}`;
  let postgres: PostgresServer;
  let databaseUrl: string;
  const dirs: string[] = [];
  const replicas: Berth[] = [];

  const start = async (name: string) => {
    const dir = await mkdtemp(join(tmpdir(), `berth-lease-${name}-`));
    dirs.push(dir);
    const berth = serve({
      DATABASE_URL: databaseUrl,
      BERTH_DATA_DIR: dir,
      BERTH_ADMIN_TOKEN: ADMIN_TOKEN,
      BERTH_EXECUTOR: "kubernetes",
      KUBECONFIG: inject("berthKubeconfig"),
      BERTH_NAMESPACE: ns.name,
      BERTH_TICK_SECONDS: "3600",
      BERTH_LOG_FORMAT: "json",
      BERTH_LEASE_NAMESPACE: "berth",
      BERTH_LEASE_NAME: lease,
      BERTH_LEASE_SECONDS: String(LEASE_SECONDS),
      POD_NAME: name,
    });
    replicas.push(berth);
    return { berth, url: await listeningUrl(berth) };
  };
  const said = (b: Berth, msg: string) => logLines(b.stdout()).some((l) => l.msg === msg);
  const leads = (b: Berth) => said(b, "became the leader: this replica runs the loop");

  beforeAll(async () => {
    postgres = await startPostgres();
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    const name = `berth_lease_${randomBytes(4).toString("hex")}`;
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(postgres.url);
    u.pathname = `/${name}`;
    databaseUrl = u.toString();
  });
  afterAll(async () => {
    for (const r of replicas) await stopBerth(r);
    await postgres?.stop();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
    await ns.config
      .makeApiClient(CoordinationV1Api)
      .deleteNamespacedLease({ name: lease, namespace: "berth" })
      .catch(() => {});
  });

  it("runs one leader, and hands over within the lease time without doubling anything", async () => {
    const a = await start("replica-a");
    await waitFor("replica-a to lead", () => leads(a.berth), { timeoutMs: 30_000 });
    const b = await start("replica-b");
    const call = restClient(() => b.url, ADMIN_TOKEN);
    const team = `lease-${randomBytes(3).toString("hex")}`;
    expect((await call("POST", "/teams", { name: team })).status).toBe(201);

    // Submitted to the follower; only the leader launches them, and only because it was told.
    const ids: string[] = [];
    for (let i = 0; i < JOBS; i++) {
      const r = await call("POST", "/jobs", {
        kind: "external",
        pool: "v100",
        gpus: 1,
        team,
        spec: { image: "berth.invalid/sim:1", simDurationSeconds: 4 },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      ids.push(r.body.id);
    }
    const jobsOnCluster = async () =>
      (await ns.batch.listNamespacedJob({ namespace: ns.name, labelSelector: "berth.dev/job" })).items;
    // Killed as soon as the leader has created its first Job: the others are being launched.
    const createdBeforeKill = await waitFor(
      "the leader to start launching",
      async () => ((await jobsOnCluster()).length > 0 ? (await jobsOnCluster()).length : undefined),
      { timeoutMs: 30_000, intervalMs: 10 },
    );
    a.berth.child.kill("SIGKILL");
    const killedAt = Date.now();
    await a.berth.exited;
    console.info(`Jobs on the cluster when the leader was killed: ${createdBeforeKill} of ${JOBS}`);

    // The follower ran no watch of its own until it led.
    expect(said(a.berth, "cluster inventory")).toBe(true);
    expect(said(b.berth, "cluster inventory")).toBe(false);
    expect(leads(b.berth)).toBe(false);

    await waitFor("replica-b to take the Lease over", () => leads(b.berth), {
      timeoutMs: (LEASE_SECONDS + 10) * 1000,
      intervalMs: 50,
    });
    const takeover = Date.now() - killedAt;
    console.info(`takeover after ${takeover} ms (lease ${LEASE_SECONDS} s)`);
    // A lease, plus one retry period and the polling above.
    expect(takeover).toBeLessThan(LEASE_SECONDS * 1000 + 3_000);
    const held = await ns.config
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: lease, namespace: "berth" });
    expect(held.spec?.holderIdentity).toBe("replica-b");

    for (const id of ids) {
      await waitFor(
        `job ${id} to succeed under the new leader`,
        async () => {
          const j = (await call("GET", `/jobs/${id}`)).body;
          if (j.state === "failed" || j.state === "cancelled") throw new Error(`job ended ${j.state}`);
          return j.state === "succeeded";
        },
        { timeoutMs: 90_000, intervalMs: 250 },
      );
    }
    // Exactly one Job per run: attempt 1 of each, never a second.
    const byRun = (await jobsOnCluster()).map(
      (j) => `${j.metadata?.labels?.["berth.dev/job"]}#${j.metadata?.labels?.["berth.dev/attempt"]}`,
    );
    expect(byRun.sort()).toEqual(ids.map((id) => `${id}#1`).sort());

    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const twice = async (query: string) => (await client.query(query)).rows;
      expect(
        await twice(`SELECT job_id, kind, payload->>'attempt' AS attempt, count(*)::int AS n FROM decisions
          WHERE job_id IS NOT NULL GROUP BY 1, 2, 3 HAVING count(*) > 1`),
      ).toEqual([]);
      expect(
        await twice(
          `SELECT type, data::text, count(*)::int AS n FROM events GROUP BY 1, 2 HAVING count(*) > 1`,
        ),
      ).toEqual([]);
      expect(
        await twice(`SELECT action, job_id, reservation_id, detail::text, count(*)::int AS n FROM audit_log
          GROUP BY 1, 2, 3, 4 HAVING count(*) > 1`),
      ).toEqual([]);
      // Nothing lost: every run was admitted, ran and succeeded once, in decisions and in events.
      const perJob = await twice(`SELECT data->>'job' AS job, type, count(*)::int AS n FROM events
          WHERE type IN ('job.admitted', 'job.running', 'job.succeeded') GROUP BY 1, 2`);
      for (const id of ids) {
        for (const type of ["job.admitted", "job.running", "job.succeeded"]) {
          expect(
            perJob.filter((r) => r.job === id && r.type === type).map((r) => r.n),
            `${id} ${type}`,
          ).toEqual([1]);
        }
      }
      const { rows: intents } = await client.query(
        `SELECT count(*)::int AS n FROM decisions WHERE state = 'intent'`,
      );
      expect(intents[0].n).toBe(0);
    } finally {
      await client.end();
    }
  });
});
