// Two teams on one cluster, each with its namespace (berth serve with a namespace per team and its
// admission webhooks), one team's member acting with kubectl as a hostile tenant would:
// - a Job it creates with the labels of the other team's running run (suspended, so the Job
//   controller marks it Suspended: what Berth's own stop looks like) changes nothing about that run;
// - a job asking for NVIDIA_VISIBLE_DEVICES is refused through the API (422) and through kubectl (the
//   validating webhook denies it), and no pod carrying the variable is ever created.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PatchStrategy, setHeaderOptions, type V1Job } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { waitFor } from "../cluster/wait.ts";
import { type Berth, listeningUrl, restClient, serve, stopBerth } from "./support/berth-serve.ts";
import { kubectlWith } from "./support/kubectl.ts";
import { type TestNamespace, useNamespace } from "./support/namespace.ts";
import { teamUserKubeconfig } from "./support/team-user.ts";

const ADMIN_TOKEN = `tenants-admin-${randomBytes(12).toString("hex")}`;
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function bind(ns: TestNamespace, team: string): Promise<void> {
  await ns.core.patchNamespace(
    { name: ns.name, body: { metadata: { labels: { "berth.dev/team": team } } } },
    mergePatch,
  );
}

/** A Job carrying Berth's run labels for `job`, created suspended so it never runs a pod. */
function forgedJob(name: string, job: string, team: string): V1Job {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name,
      labels: {
        "app.kubernetes.io/managed-by": "berth",
        "berth.dev/job": job,
        "berth.dev/attempt": "1",
        "berth.dev/team": team,
      },
    },
    spec: {
      suspend: true,
      template: {
        spec: { restartPolicy: "Never", containers: [{ name: "main", image: "berth.invalid/sim:1" }] },
      },
    },
  };
}

describe("a hostile tenant on the cluster", () => {
  const nsA = useNamespace("tenant-a");
  const nsB = useNamespace("tenant-b");
  const teamA = `ta-${randomBytes(3).toString("hex")}`;
  const teamB = `tb-${randomBytes(3).toString("hex")}`;
  let dataDir: string;
  let berth: Berth;
  let url = "";
  let member: { path: string };
  const api = restClient(() => url, ADMIN_TOKEN);
  const asMemberOfA = (args: string[], input?: string) =>
    kubectlWith(member.path, ["-n", nsA.name, ...args], input);
  const job = async (id: string) => (await api("GET", `/jobs/${id}`)).body;
  const submit = async (team: string, spec: Record<string, unknown>) => {
    const r = await api("POST", "/jobs", { team, kind: "external", pool: "t4", gpus: 1, spec });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.id as string;
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "berth-tenants-"));
    await bind(nsA, teamA);
    await bind(nsB, teamB);
    member = await teamUserKubeconfig(nsA, dataDir);
    berth = serve({
      BERTH_DATA_DIR: dataDir,
      BERTH_ADMIN_TOKEN: ADMIN_TOKEN,
      BERTH_EXECUTOR: "kubernetes",
      KUBECONFIG: inject("kubeconfig"),
      BERTH_TICK_SECONDS: "1",
      BERTH_ADMISSION_URL: `https://127.0.0.1:${await freePort()}`,
    });
    url = await listeningUrl(berth);
    for (const t of [teamA, teamB]) expect((await api("POST", "/teams", { name: t })).status).toBe(201);
    // The API server takes up new webhook configurations within a moment: wait until a Job on an
    // unknown reservation is refused.
    await waitFor(
      "the webhooks to be in force",
      async () => {
        const probe = forgedJob("probe", "none", teamA);
        probe.metadata!.labels = { "berth.dev/reservation": "r-none" };
        const r = await asMemberOfA(["apply", "--dry-run=server", "-f", "-"], JSON.stringify(probe));
        return r.stderr.includes("denied");
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  });

  afterAll(async () => {
    await stopBerth(berth);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("ignores Jobs that carry another team's run labels: its run keeps running, on its first attempt", async () => {
    const victim = await submit(teamB, { image: "berth.invalid/sim:1", simDurationSeconds: 3600 });
    await waitFor("the victim's run to be running", async () => (await job(victim)).state === "running", {
      timeoutMs: 60_000,
      intervalMs: 250,
    });

    // One Job names the victim's team, the other its own: both live in team A's namespace.
    for (const [name, team] of [
      ["forged-b", teamB],
      ["forged-a", teamA],
    ] as const) {
      const r = await asMemberOfA(["create", "-f", "-"], JSON.stringify(forgedJob(name, victim, team)));
      expect(r.stderr).toBe("");
    }
    await waitFor(
      "the Job controller to mark both forged Jobs suspended",
      async () => {
        const jobs = await nsA.batch.listNamespacedJob({ namespace: nsA.name });
        return (
          jobs.items.filter((j) =>
            j.status?.conditions?.some((c) => c.type === "Suspended" && c.status === "True"),
          ).length === 2
        );
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    // A run that starts after the forged Jobs were suspended reports after them (one watch, in
    // order): once it has succeeded, Berth has seen what the forged Jobs say.
    const later = await submit(teamA, { image: "berth.invalid/sim:1", simDurationSeconds: 1 });
    await waitFor("a later run to succeed", async () => (await job(later)).state === "succeeded", {
      timeoutMs: 60_000,
      intervalMs: 250,
    });

    expect(await job(victim)).toMatchObject({ state: "running", attempts: 1 });
    const pods = await nsB.core.listNamespacedPod({ namespace: nsB.name });
    expect(pods.items.filter((p) => p.status?.phase === "Running")).toHaveLength(1);
  });

  it("refuses NVIDIA_VISIBLE_DEVICES through the API and through kubectl, and never creates a pod with it", async () => {
    const rest = await api("POST", "/jobs", {
      team: teamA,
      kind: "external",
      pool: "t4",
      gpus: 1,
      spec: { image: "berth.invalid/sim:1", env: { NVIDIA_VISIBLE_DEVICES: "all" } },
    });
    expect(rest.status).toBe(422);
    expect(rest.body.errors).toContainEqual(
      expect.objectContaining({ field: "spec.env.NVIDIA_VISIBLE_DEVICES" }),
    );

    const kubectlJob = {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "all-gpus", labels: { "berth.dev/queue": "default", "berth.dev/pool": "t4" } },
      spec: {
        template: {
          spec: {
            restartPolicy: "Never",
            containers: [
              {
                name: "main",
                image: "berth.invalid/sim:1",
                env: [{ name: "NVIDIA_VISIBLE_DEVICES", value: "all" }],
                resources: { limits: { "nvidia.com/gpu": "1" } },
              },
            ],
          },
        },
      },
    };
    const denied = await asMemberOfA(["apply", "-f", "-"], JSON.stringify(kubectlJob));
    expect(denied.stdout).toBe("");
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain("denied the request");
    expect(denied.stderr).toContain("NVIDIA_VISIBLE_DEVICES");

    for (const ns of [nsA, nsB]) {
      const jobs = await ns.batch.listNamespacedJob({ namespace: ns.name });
      expect(jobs.items.map((j) => j.metadata?.name)).not.toContain("all-gpus");
      const pods = await ns.core.listNamespacedPod({ namespace: ns.name });
      const env = pods.items.flatMap((p) => p.spec?.containers.flatMap((c) => c.env ?? []) ?? []);
      expect(env.map((e) => e.name)).not.toContain("NVIDIA_VISIBLE_DEVICES");
    }
  });
});
