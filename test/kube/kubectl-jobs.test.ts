// A kubectl user's Job admitted by Berth like its own (docs/rules.md §5), on the real control plane
// with the real `berth serve`: a team member (a ServiceAccount bound to `edit` in the team's
// namespace, not the admin) books over REST with a member token and creates a Job with one label;
// Berth registers it (GET /jobs: kind external, source kubectl), unsuspends it at its reservation's
// start with the managed taint's toleration and a pin to the reserved node, the pod runs there,
// and when it succeeds the job is done and its GPU-hours are in usage. An opportunistic one is
// suspended when an owner takes its GPUs back, and a deleted one is cancelled.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../cluster/wait.ts";
import { makeTeamNamespace, serveWithAdmission } from "./support/admission.ts";
import { type Berth, listeningUrl, restClient, stopBerth } from "./support/berth-serve.ts";
import { kubectlWith } from "./support/kubectl.ts";
import { useNamespace } from "./support/namespace.ts";
import { jobPods } from "./support/pods.ts";
import { teamUserKubeconfig } from "./support/team-user.ts";

const GRID_MS = 15 * 60_000;
const ADMIN_TOKEN = `kubectl-jobs-admin-${randomBytes(12).toString("hex")}`;

/** A Job as a user writes it: one label for Berth, GPUs as a limit, nothing else of Berth's. */
function jobYaml(o: { name: string; labels: Record<string, string>; gpus: number; simSeconds?: number }) {
  return JSON.stringify({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: o.name, labels: o.labels },
    spec: {
      backoffLimit: 0,
      template: {
        metadata:
          o.simSeconds !== undefined
            ? { annotations: { "berth.dev/sim-duration": String(o.simSeconds) } }
            : {},
        spec: {
          restartPolicy: "Never",
          containers: [
            {
              name: "main",
              image: "berth.invalid/train:1",
              args: ["--epochs", "3"],
              resources: { limits: { "nvidia.com/gpu": String(o.gpus) } },
            },
          ],
        },
      },
    },
  });
}

describe("a kubectl user's Job, admitted by Berth", () => {
  const ns = useNamespace("kubectl-jobs");
  let dataDir = "";
  let berth: Berth | undefined;
  let url = "";
  let member: { path: string; user: string };
  const team = `kj-${randomBytes(3).toString("hex")}`;
  const admin = restClient(() => url, ADMIN_TOKEN);
  let asTeam: ReturnType<typeof restClient>;
  const asMember = (args: string[], input?: string) =>
    kubectlWith(member.path, ["-n", ns.name, ...args], input);
  const readJob = (name: string) => ns.batch.readNamespacedJob({ name, namespace: ns.name });
  const berthJobOf = async (name: string) => {
    const list = await asTeam("GET", `/jobs?team=${team}`);
    expect(list.status).toBe(200);
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
    return list.body.items.find((j: any) => j.kubernetes?.name === name);
  };
  const book = async (o: {
    pool: string;
    nodes: number;
    gpusPerNode: number;
    inSlots: number;
    forTeam: string;
    priority: string;
  }) => {
    const start = Math.floor(Date.now() / GRID_MS) * GRID_MS + o.inSlots * GRID_MS;
    const r = await admin("POST", "/reservations", {
      team: o.forTeam,
      pool: o.pool,
      nodes: o.nodes,
      gpusPerNode: o.gpusPerNode,
      start: new Date(start).toISOString(),
      end: new Date(start + 4 * GRID_MS).toISOString(),
      priority: o.priority,
      title: `${o.forTeam} on ${o.pool}`,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body;
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "berth-kubectl-jobs-"));
    await makeTeamNamespace(ns, team);
    member = await teamUserKubeconfig(ns, dataDir);
    berth = await serveWithAdmission({ dataDir, adminToken: ADMIN_TOKEN, env: { BERTH_TICK_SECONDS: "1" } });
    url = await listeningUrl(berth);
    expect((await admin("POST", "/teams", { name: team })).status).toBe(201);
    const token = await admin("POST", "/tokens", { team, role: "member", name: "kubectl user" });
    expect(token.status, JSON.stringify(token.body)).toBe(201);
    asTeam = restClient(() => url, token.body.token);
    await waitFor(
      "the webhooks to be in force",
      async () => {
        const probe = await asMember(
          ["apply", "--dry-run=server", "-f", "-"],
          jobYaml({ name: "probe", labels: { "berth.dev/reservation": "r-none" }, gpus: 1 }),
        );
        return probe.stderr.includes("denied");
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  });

  afterAll(async () => {
    await stopBerth(berth);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("holds a Job for a reservation that has not started: suspended, and queued in GET /jobs", async () => {
    const later = await book({
      pool: "t4",
      nodes: 1,
      gpusPerNode: 1,
      inSlots: 8,
      forTeam: team,
      priority: "normal",
    });
    const created = await asMember(
      ["create", "-f", "-"],
      jobYaml({ name: "tonight", labels: { "berth.dev/reservation": later.id }, gpus: 1 }),
    );
    expect(created.stderr).toBe("");
    expect(created.stdout.trim()).toBe("job.batch/tonight created");
    const job = await waitFor("the Job to be registered", () => berthJobOf("tonight"));
    expect(job).toMatchObject({
      kind: "external",
      source: "kubectl",
      state: "queued",
      team,
      pool: "t4",
      gpus: 1,
      priority: "normal",
      reservation: later.id,
      kubernetes: { namespace: ns.name, name: "tonight" },
      spec: { image: "berth.invalid/train:1", args: ["--epochs", "3"] },
    });
    // Several ticks later it is still held.
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await readJob("tonight")).spec?.suspend).toBe(true);
    expect((await berthJobOf("tonight")).state).toBe("queued");
  });

  it("unsuspends a Job at its reservation's start with the toleration and the node pin; it runs on the reserved node and is done when it succeeds", async () => {
    const now = await book({
      pool: "t4",
      nodes: 1,
      gpusPerNode: 2,
      inSlots: 0,
      forTeam: team,
      priority: "high",
    });
    const reserved = now.placement[0].node as string;
    const created = await asMember(
      ["create", "-f", "-"],
      jobYaml({ name: "train-now", labels: { "berth.dev/reservation": now.id }, gpus: 2, simSeconds: 3 }),
    );
    expect(created.stdout.trim()).toBe("job.batch/train-now created");
    const pods = await waitFor("the Job's pod to be bound", async () => {
      const p = await jobPods(ns.core, ns.name, "train-now");
      return p.length > 0 && p[0]!.spec?.nodeName ? p : undefined;
    });
    expect(pods[0]!.spec?.nodeName).toBe(reserved);
    const job = await readJob("train-now");
    expect(job.spec?.suspend).toBe(false);
    expect(job.spec?.template.spec?.tolerations).toContainEqual({
      key: "berth.dev/managed",
      operator: "Equal",
      value: "true",
      effect: "NoSchedule",
    });
    expect(
      job.spec?.template.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
    ).toEqual({
      nodeSelectorTerms: [
        { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [reserved] }] },
      ],
    });
    const done = await waitFor(
      "GET /jobs to show the Job done",
      async () => {
        const j = await berthJobOf("train-now");
        return j?.state === "succeeded" ? j : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(done).toMatchObject({
      kind: "external",
      source: "kubectl",
      reservation: now.id,
      attempts: 1,
    });
    const usage = await asTeam("GET", `/usage?team=${team}&pool=t4`);
    expect(usage.status).toBe(200);
    expect(usage.body.items[0].usedGpuHours).toBeGreaterThan(0);
  });

  it("suspends an opportunistic Job when an owner takes its GPUs back, and queues it again", async () => {
    const created = await asMember(
      ["create", "-f", "-"],
      jobYaml({ name: "spare", labels: { "berth.dev/queue": "default", "berth.dev/pool": "p100" }, gpus: 1 }),
    );
    expect(created.stdout.trim()).toBe("job.batch/spare created");
    await waitFor(
      "the opportunistic Job to run",
      async () => (await berthJobOf("spare"))?.state === "running",
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    // The node is booked from now on, and the booking's own job needs all of its GPUs.
    const owned = await book({
      pool: "p100",
      nodes: 1,
      gpusPerNode: 4,
      inSlots: 0,
      forTeam: team,
      priority: "high",
    });
    const ownerJob = await asTeam("POST", "/jobs", {
      kind: "external",
      pool: "p100",
      gpus: 4,
      reservation: owned.id,
      spec: { image: "berth.invalid/sim:1", simDurationSeconds: 600 },
    });
    expect(ownerJob.status, JSON.stringify(ownerJob.body)).toBe(201);
    await waitFor(
      "the Job to be suspended with no pod left, and queued again",
      async () => {
        const [job, pods, row] = await Promise.all([
          readJob("spare"),
          jobPods(ns.core, ns.name, "spare"),
          berthJobOf("spare"),
        ]);
        return job.spec?.suspend === true && pods.length === 0 && row?.state === "queued";
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    await waitFor(
      "the owner's job to run",
      async () => (await asTeam("GET", `/jobs/${ownerJob.body.id}`)).body.state === "running",
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  });

  it("cancels the job of a Job deleted with kubectl", async () => {
    expect((await berthJobOf("spare")).state).toBe("queued");
    const deleted = await asMember(["delete", "job", "spare"]);
    expect(deleted.code).toBe(0);
    await waitFor("the job to be cancelled", async () => (await berthJobOf("spare"))?.state === "cancelled");
    expect((await berthJobOf("spare")).reason).toContain("was deleted");
  });
});
