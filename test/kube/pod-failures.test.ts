// Every failure on the cluster seen (docs/rules.md §5 "Failures on the cluster"), on the real
// control plane with the real `berth serve`, read the way a user reads it: the job's state and
// reason from GET /jobs/{id}, the event stream, the audit history. kwok plays the kubelet
// (test/cluster/kwok/pod-stages.yaml): a pod annotated berth.dev/sim-failure is OOMKilled or
// cannot pull its image; a pod with an unsatisfiable nodeSelector is Unschedulable by the real
// kube-scheduler; a pod created straight onto a node holds GPUs Berth does not manage; a node's
// allocatable GPUs are patched down as a device plugin reports a failed GPU.
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { waitFor } from "../cluster/wait.ts";
import { awaitStreamedEvent } from "../support/sse.ts";
import { logLines } from "./support/berth-serve.ts";
import { useNamespace } from "./support/namespace.ts";
import { jobPods } from "./support/pods.ts";
import { useTeamBerth } from "./support/team-berth.ts";

const GRID_MS = 15 * 60_000;
const UNSCHEDULABLE_SECONDS = 20;
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

describe("failures on the cluster, as a user sees them", () => {
  const ns = useNamespace("pod-failures");
  const { team, admin, asMember, adminToken, url, berth } = useTeamBerth({
    ns,
    prefix: "pod-failures",
    env: { BERTH_TICK_SECONDS: "1", BERTH_UNSCHEDULABLE_SECONDS: String(UNSCHEDULABLE_SECONDS) },
  });

  const bookNow = async (pool: string, gpusPerNode: number) => {
    const start = Math.floor(Date.now() / GRID_MS) * GRID_MS;
    const r = await admin("POST", "/reservations", {
      team,
      pool,
      nodes: 1,
      gpusPerNode,
      start: new Date(start).toISOString(),
      end: new Date(start + 4 * GRID_MS).toISOString(),
      priority: "high",
      title: `${team} on ${pool}`,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body as { id: string; placement: { node: string; gpus: number[] }[] };
  };
  const submit = async (body: Record<string, unknown>) => {
    const r = await admin("POST", "/jobs", { kind: "external", team, ...body });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.id as string;
  };
  const jobOf = async (id: string) => (await admin("GET", `/jobs/${id}`)).body;
  type JobBody = {
    state: string;
    reason?: string;
    attempts: number;
    placement: { node: string }[] | null;
    finishedAt: string;
  };
  const awaitJob = (id: string, what: string, ok: (j: JobBody) => boolean): Promise<JobBody> =>
    waitFor(
      `job ${id} ${what}`,
      async () => {
        const j = await jobOf(id);
        return ok(j) ? j : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
  const auditOf = async (id: string): Promise<any[]> => (await admin("GET", `/audit?job=${id}`)).body.items;
  const eventOf = (id: string, type: string) =>
    awaitStreamedEvent(
      `${url()}/api/v1/events?after=0`,
      adminToken,
      (e) => e.event === type && e.data?.job === id,
    );
  /** The pods of Berth's Job for a run, in the team's namespace. */
  const runPods = async (id: string) =>
    (await ns.core.listNamespacedPod({ namespace: ns.name, labelSelector: `berth.dev/job=${id}` })).items;

  it("fails a job whose image cannot be pulled, with the kubelet's reason, and frees its GPUs", async () => {
    const r = await bookNow("p100", 4);
    const id = await submit({
      pool: "p100",
      gpus: 4,
      reservation: r.id,
      spec: { image: "berth.invalid/missing:1", simFailure: "ErrImagePull" },
    });
    const failed = await awaitJob(id, "to fail", (j) => j.state === "failed");
    expect(failed.reason).toMatch(
      /^ErrImagePull: image berth\.invalid\/missing:1 of container \S+ cannot be pulled: simulated: failed to pull image/,
    );
    const event = await eventOf(id, "job.failed");
    expect(event.data).toMatchObject({ job: id, team, reason: failed.reason, cause: "image-pull" });
    expect(await auditOf(id)).toContainEqual(
      expect.objectContaining({ action: "run-failed", actor: "berth", reason: failed.reason }),
    );
    // Its Job is stopped: no pod of it holds the GPUs, and Berth holds nothing for it.
    await waitFor("the failed run's pods to be gone", async () => (await runPods(id)).length === 0);
    await awaitJob(id, "to hold no GPUs", (j) => j.placement === null);
    // The same GPUs run the reservation's next job.
    const next = await submit({
      pool: "p100",
      gpus: 4,
      reservation: r.id,
      spec: { image: "berth.invalid/sim:1", simDurationSeconds: 1 },
    });
    await awaitJob(next, "to succeed on the freed GPUs", (j) => j.state === "succeeded");
  });

  it("fails a job whose container is OOMKilled, and says so", async () => {
    const r = await bookNow("v100", 2);
    const id = await submit({
      pool: "v100",
      gpus: 2,
      reservation: r.id,
      spec: { image: "berth.invalid/sim:1", simFailure: "OOMKilled", simDurationSeconds: 1 },
    });
    const failed = await awaitJob(
      id,
      "to fail as OOMKilled",
      (j) => j.state === "failed" && (j.reason ?? "").startsWith("OOMKilled"),
    );
    expect(failed.reason).toMatch(/^OOMKilled: container \S+ ran out of memory \(exit code 137\)$/);
    await eventOf(id, "job.failed");
    expect(await auditOf(id)).toContainEqual(
      expect.objectContaining({
        action: "run-failed",
        reason: failed.reason,
        detail: { attempt: 1, cause: "oom-killed" },
      }),
    );
    await awaitJob(id, "to hold no GPUs", (j) => j.placement === null);
  });

  it("shows the scheduler's message on a kubectl Job's job that cannot be placed, and fails it after the bound", async () => {
    const job = {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "nowhere", labels: { "berth.dev/queue": "default", "berth.dev/pool": "v100" } },
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            restartPolicy: "Never",
            nodeSelector: { "example.com/rack": "does-not-exist" },
            containers: [
              {
                name: "main",
                image: "berth.invalid/train:1",
                resources: { limits: { "nvidia.com/gpu": "1" } },
              },
            ],
          },
        },
      },
    };
    const probe = { ...job, metadata: { name: "probe", labels: { "berth.dev/reservation": "r-none" } } };
    await waitFor(
      "the webhooks to be in force",
      async () =>
        (await asMember(["apply", "--dry-run=server", "-f", "-"], JSON.stringify(probe))).stderr.includes(
          "denied",
        ),
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    const created = await asMember(["create", "-f", "-"], JSON.stringify(job));
    expect(created.stdout.trim(), created.stderr).toBe("job.batch/nowhere created");
    const registered = await waitFor("the Job to be registered", async () => {
      const list = await admin("GET", `/jobs?team=${team}`);
      // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
      return list.body.items.find((j: any) => j.kubernetes?.name === "nowhere");
    });
    const id = registered.id as string;
    const waiting = await awaitJob(id, "to show why its pod waits", (j) =>
      (j.reason ?? "").startsWith("Unschedulable"),
    );
    expect(waiting.state).toBe("admitted");
    expect(waiting.reason).toMatch(/^Unschedulable: 0\/\d+ nodes are available/);
    expect(await auditOf(id)).toContainEqual(
      expect.objectContaining({ action: "pod-unschedulable", reason: waiting.reason }),
    );
    const failed = await awaitJob(id, "to fail after the bound", (j) => j.state === "failed");
    expect(failed.reason).toBe(waiting.reason);
    const failedAt = Date.parse(failed.finishedAt);
    const podCreated = (await jobPods(ns.core, ns.name, "nowhere"))[0]?.metadata?.creationTimestamp;
    if (podCreated)
      expect(failedAt - new Date(podCreated).getTime()).toBeGreaterThanOrEqual(
        UNSCHEDULABLE_SECONDS * 1000 - 2_000,
      );
    const event = await eventOf(id, "job.failed");
    expect(event.data).toMatchObject({ cause: "unschedulable", reason: failed.reason });
    // The user's Job stays, suspended, with no pod holding anything.
    await waitFor("the Job to be suspended with no pod left", async () => {
      const k = await ns.batch.readNamespacedJob({ name: "nowhere", namespace: ns.name });
      return k.spec?.suspend === true && (await jobPods(ns.core, ns.name, "nowhere")).length === 0;
    });
  });

  it("counts GPUs of pods it does not manage as taken: a job goes to the node they leave free", async () => {
    // An operator's pod bound straight to t4-0 (no scheduler, no toleration needed), on 3 of its 4 GPUs.
    await ns.core.createNamespacedPod({
      namespace: ns.name,
      body: {
        metadata: { name: "not-berths" },
        spec: {
          nodeName: "t4-0",
          restartPolicy: "Never",
          containers: [
            {
              name: "main",
              image: "berth.invalid/other:1",
              resources: { limits: { "nvidia.com/gpu": "3" } },
            },
          ],
        },
      },
    });
    await waitFor("Berth to count the pod's GPUs", () =>
      logLines(berth().stdout()).some(
        (l) =>
          l.msg === "GPUs held by pods Berth does not manage" &&
          (l.nodes as Record<string, number>)?.["t4-0"] === 3,
      ),
    );
    const id = await submit({
      pool: "t4",
      gpus: 2,
      spec: { image: "berth.invalid/sim:1", simDurationSeconds: 1 },
    });
    const done = await awaitJob(id, "to succeed", (j) => j.state === "succeeded" || j.state === "failed");
    expect(done.state).toBe("succeeded");
    const [pod] = (
      await ns.core.listNamespacedPod({ namespace: ns.name, labelSelector: `berth.dev/job=${id}` })
    ).items;
    expect(pod?.spec?.nodeName).toBe("t4-1");
    await ns.core.deleteNamespacedPod({ name: "not-berths", namespace: ns.name, gracePeriodSeconds: 0 });
  });

  it("re-places a booking off a node whose allocatable GPUs drop, and keeps the pool's shape", async () => {
    const r = await bookNow("t4", 4);
    const shrunk = r.placement[0]!.node;
    const setGpus = (gpus: string) =>
      ns.core.patchNodeStatus(
        { name: shrunk, body: { status: { allocatable: { "nvidia.com/gpu": gpus } } } },
        mergePatch,
      );
    await setGpus("2");
    try {
      const moved = await waitFor(
        "the reservation to leave the node's lost GPUs",
        async () => {
          const b = (await admin("GET", `/reservations/${r.id}`)).body;
          return b.placement[0].node !== shrunk ? b : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      expect(moved.state).not.toBe("displaced");
      expect(moved.placement).toEqual([{ node: shrunk === "t4-0" ? "t4-1" : "t4-0", gpus: [0, 1, 2, 3] }]);
      const pools = (await admin("GET", "/pools")).body.items as { name: string; gpusPerNode: number }[];
      expect(pools.find((p) => p.name === "t4")?.gpusPerNode).toBe(4);
    } finally {
      await setGpus("4");
    }
  });

  it("requeues a running job whose node is lost, and says why", async () => {
    const r = await bookNow("v100", 8);
    const lost = r.placement[0]!.node;
    const id = await submit({
      pool: "v100",
      gpus: 8,
      reservation: r.id,
      spec: { image: "berth.invalid/sim:1", simDurationSeconds: 600 },
    });
    await awaitJob(id, "to run", (j) => j.state === "running");
    // kwok sets Ready back to True at once (test/kube/node-lost.test.ts): the node is cordoned.
    await ns.core.patchNode({ name: lost, body: { spec: { unschedulable: true } } }, mergePatch);
    try {
      const moved = await awaitJob(id, "to be requeued with the reason", (j) =>
        (j.reason ?? "").startsWith(`node lost: ${lost}`),
      );
      expect(moved.reason).toBe(`node lost: ${lost}; the run is stopped and the job requeued`);
      const event = await eventOf(id, "job.preempted");
      expect(event.data).toMatchObject({ job: id, reason: "node-lost" });
      expect(await auditOf(id)).toContainEqual(
        expect.objectContaining({ action: "signal", reason: "node-lost" }),
      );
      // Its pods leave the lost node; the job runs again on the reservation's new node.
      const again = await awaitJob(id, "to run again", (j) => j.state === "running" && j.attempts === 2);
      expect(again.placement?.[0]?.node).not.toBe(lost);
    } finally {
      await ns.core.patchNode({ name: lost, body: { spec: { unschedulable: null } } }, mergePatch);
    }
  });
});
