// A SIGKILL of Berth in the middle of a launch, on the test cluster: the admission was persisted
// as an intent before the Job was created, so the restarted Berth sends the same launch again
// (idempotent per job and attempt) and the run ends with exactly one Job on the cluster.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { waitFor } from "../cluster/wait.ts";
import { type Berth, listeningUrl, restClient, serveOnCluster, stopBerth } from "./support/berth-serve.ts";
import { useNamespace } from "./support/namespace.ts";

const ADMIN_TOKEN = `crash-admin-${randomBytes(12).toString("hex")}`;

describe("Berth killed mid-launch on Kubernetes", () => {
  const ns = useNamespace("crash");
  let dataDir = "";
  let berth: Berth | undefined;

  const start = async () => {
    berth = serveOnCluster({ dataDir, adminToken: ADMIN_TOKEN, namespace: ns.name });
    return listeningUrl(berth);
  };
  const call = (url: string, method: string, path: string, body?: unknown) =>
    restClient(() => url, ADMIN_TOKEN)(method, path, body);

  afterAll(async () => {
    await stopBerth(berth);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("creates no second Job for the run after a restart, and the run succeeds", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "berth-crash-"));
    let url = await start();
    const team = `crash-${randomBytes(3).toString("hex")}`;
    expect((await call(url, "POST", "/teams", { name: team })).status).toBe(201);
    const job = await call(url, "POST", "/jobs", {
      kind: "external",
      pool: "t4",
      gpus: 1,
      team,
      spec: { image: "berth.invalid/sim:1", simDurationSeconds: 3 },
    });
    expect(job.status, JSON.stringify(job.body)).toBe(201);
    // Killed the moment the admission is recorded: before, during or just after the Job's creation.
    await waitFor(
      "the job to be admitted",
      async () => (await call(url, "GET", `/jobs/${job.body.id}`)).body.state !== "queued",
      { timeoutMs: 30_000, intervalMs: 20 },
    );
    berth!.child.kill("SIGKILL");
    await berth!.exited;

    url = await start();
    const done = await waitFor(
      "the job to succeed after the restart",
      async () => {
        const j = (await call(url, "GET", `/jobs/${job.body.id}`)).body;
        if (j.state === "failed" || j.state === "cancelled") throw new Error(`job ended ${j.state}`);
        return j.state === "succeeded" ? j : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    expect(done.attempts).toBe(1);
    const jobs = await ns.batch.listNamespacedJob({
      namespace: ns.name,
      labelSelector: `berth.dev/job=${job.body.id}`,
    });
    expect(jobs.items.map((j) => j.metadata?.labels?.["berth.dev/attempt"])).toEqual(["1"]);
  });
});
