// The Kubernetes executor against the real control plane: each run becomes a Job pinned to the
// planned node, reports arrive from the watch (running, then succeeded / failed / stopped), a
// re-launch is idempotent, and stopping suspends the Job until its pods are gone.
import { describe, expect, it } from "vitest";
import { runJobName } from "../../src/basics/job-names.ts";
import { waitFor } from "../cluster/wait.ts";
import { launchOrder, recordedExecutor } from "./support/executor.ts";
import { jobCondition } from "./support/jobs.ts";
import { useNamespace } from "./support/namespace.ts";
import { jobPods, waitForJobPods } from "./support/pods.ts";

describe("the Kubernetes executor", () => {
  const ns = useNamespace("executor");

  it("runs a 4-GPU order on exactly the planned node and reports running, then succeeded", async () => {
    const rec = await recordedExecutor(ns);
    try {
      const order = launchOrder({ node: "v100-2", gpus: 4, durationSeconds: 1 });
      const launchedAt = Date.now();
      await rec.executor.launch(order);
      const running = await rec.event(order.job, "running");
      const succeeded = await rec.event(order.job, "succeeded");
      console.info(
        `launch -> running report: ${running.received - launchedAt} ms; launch -> succeeded report (1 s run): ${succeeded.received - launchedAt} ms`,
      );
      expect(rec.typesOf(order.job)).toEqual(["running", "succeeded"]);
      expect(succeeded.attempt).toBe(1);

      const name = runJobName(order.job, 1);
      const pods = await jobPods(ns.core, ns.name, name);
      expect(pods.map((p) => p.spec?.nodeName)).toEqual(["v100-2"]);
      const container = pods[0]?.spec?.containers[0];
      expect(container?.resources?.limits?.["nvidia.com/gpu"]).toBe("4");
      const job = await ns.batch.readNamespacedJob({ name, namespace: ns.name });
      expect(job.metadata?.labels).toMatchObject({
        "berth.dev/job": order.job,
        "berth.dev/team": "team-a",
        "berth.dev/attempt": "1",
      });
      const template = job.spec?.template.spec;
      expect(template?.priorityClassName).toBe("berth-normal");
      expect(template?.terminationGracePeriodSeconds).toBe(5);
      expect(template?.tolerations).toContainEqual({
        key: "berth.dev/managed",
        operator: "Equal",
        value: "true",
        effect: "NoSchedule",
      });
      expect(job.spec?.ttlSecondsAfterFinished).toBe(7 * 24 * 3600);
      expect(job.spec?.podFailurePolicy?.rules[0]).toMatchObject({
        action: "Ignore",
        onPodConditions: [{ type: "DisruptionTarget" }],
      });
    } finally {
      await rec.executor.close();
    }
  });

  it("runs an order placed on two nodes as one pod on each planned node", async () => {
    const rec = await recordedExecutor(ns);
    try {
      const order = {
        ...launchOrder({ durationSeconds: 1 }),
        placement: [
          { node: "v100-0", gpus: [0, 1, 2, 3] },
          { node: "v100-3", gpus: [4, 5, 6, 7] },
        ],
      };
      await rec.executor.launch(order);
      await rec.event(order.job, "succeeded");
      expect(rec.typesOf(order.job)).toEqual(["running", "succeeded"]);
      const pods = await jobPods(ns.core, ns.name, runJobName(order.job, 1));
      expect(pods.map((p) => p.spec?.nodeName).sort()).toEqual(["v100-0", "v100-3"]);
      expect(pods.map((p) => p.spec?.containers[0]?.resources?.limits?.["nvidia.com/gpu"])).toEqual([
        "4",
        "4",
      ]);
    } finally {
      await rec.executor.close();
    }
  });

  it("stops a run with time to spare through suspension alone, without failing its Job", async () => {
    const rec = await recordedExecutor(ns, { graceSeconds: 2 });
    try {
      const order = launchOrder({ node: "t4-1" });
      await rec.executor.launch(order);
      await rec.event(order.job, "running");
      await rec.executor.stop(order.job, 1, Date.now() + 60_000);
      await rec.event(order.job, "stopped");
      const name = runJobName(order.job, 1);
      expect(await jobPods(ns.core, ns.name, name)).toEqual([]);
      const job = await ns.batch.readNamespacedJob({ name, namespace: ns.name });
      expect(jobCondition(job, "Failed")).toBeUndefined();
    } finally {
      await rec.executor.close();
    }
  });

  it("labels a run with its reservation and priority class when the order names them", async () => {
    const rec = await recordedExecutor(ns);
    try {
      const order = {
        ...launchOrder({ node: "t4-0", durationSeconds: 0.5 }),
        reservation: "r-abc",
        priority: "high" as const,
      };
      await rec.executor.launch(order);
      await rec.event(order.job, "succeeded");
      const job = await ns.batch.readNamespacedJob({ name: runJobName(order.job, 1), namespace: ns.name });
      expect(job.metadata?.labels?.["berth.dev/reservation"]).toBe("r-abc");
      expect(job.spec?.template.spec?.priorityClassName).toBe("berth-high");
      const [pod] = await jobPods(ns.core, ns.name, runJobName(order.job, 1));
      expect(pod?.spec?.nodeName).toBe("t4-0");
    } finally {
      await rec.executor.close();
    }
  });

  it("creates nothing new when the same (job, attempt) is launched again", async () => {
    const rec = await recordedExecutor(ns);
    try {
      const order = launchOrder({ node: "v100-1", gpus: 2 });
      await rec.executor.launch(order);
      await rec.event(order.job, "running");
      const name = runJobName(order.job, 1);
      const first = await ns.batch.readNamespacedJob({ name, namespace: ns.name });

      await rec.executor.launch(order);

      const jobs = await ns.batch.listNamespacedJob({
        namespace: ns.name,
        labelSelector: `berth.dev/job=${order.job}`,
      });
      expect(jobs.items.map((j) => j.metadata?.uid)).toEqual([first.metadata?.uid]);
      expect(await jobPods(ns.core, ns.name, name)).toHaveLength(1);
      await rec.executor.stop(order.job, 1, Date.now());
      await rec.event(order.job, "stopped");
    } finally {
      await rec.executor.close();
    }
  });

  it("stops a run by suspending its Job and reports stopped once its pods are gone", async () => {
    const rec = await recordedExecutor(ns);
    try {
      const order = launchOrder({ node: "v100-3", gpus: 8 });
      await rec.executor.launch(order);
      await rec.event(order.job, "running");
      const name = runJobName(order.job, 1);

      const stoppedAt = Date.now();
      await rec.executor.stop(order.job, 1, stoppedAt);
      const stopped = await rec.event(order.job, "stopped");
      console.info(`stop -> stopped report (pods gone): ${stopped.received - stoppedAt} ms`);

      expect(await jobPods(ns.core, ns.name, name)).toEqual([]);
      const job = await ns.batch.readNamespacedJob({ name, namespace: ns.name });
      expect(job.spec?.suspend).toBe(true);
      expect(jobCondition(job, "Suspended")).toBeDefined();
      expect(jobCondition(job, "Failed")).toBeUndefined();
      expect(rec.typesOf(order.job)).toEqual(["running", "stopped"]);
    } finally {
      await rec.executor.close();
    }
  });

  it("reports stopped at once for a run that has no Job on the cluster", async () => {
    const rec = await recordedExecutor(ns);
    try {
      await rec.executor.stop("j-never-launched", 2, Date.now());
      const stopped = await rec.event("j-never-launched", "stopped");
      expect(stopped.attempt).toBe(2);
    } finally {
      await rec.executor.close();
    }
  });

  it("reports failed with the Job's reason when the run exits non-zero", async () => {
    const rec = await recordedExecutor(ns);
    try {
      const order = launchOrder({ node: "p100-0", exitCode: 3, durationSeconds: 0.5 });
      await rec.executor.launch(order);
      const failed = await rec.event(order.job, "failed");
      expect(failed.message).toMatch(/BackoffLimitExceeded/);
      expect(rec.typesOf(order.job)).toEqual(["running", "failed"]);
    } finally {
      await rec.executor.close();
    }
  });

  it("refuses an order without an image or with a job id Kubernetes cannot label, creating nothing", async () => {
    const rec = await recordedExecutor(ns);
    try {
      const noImage = { ...launchOrder(), spec: {} };
      await expect(rec.executor.launch(noImage)).rejects.toMatchObject({ code: "invalid" });
      const badId = launchOrder({ job: "not a label!" });
      await expect(rec.executor.launch(badId)).rejects.toMatchObject({ code: "invalid" });
      const jobs = await ns.batch.listNamespacedJob({
        namespace: ns.name,
        labelSelector: `berth.dev/job=${noImage.job}`,
      });
      expect(jobs.items).toEqual([]);
    } finally {
      await rec.executor.close();
    }
  });

  it("turns a refusal by the API server into a typed error naming what was attempted", async () => {
    const rec = await recordedExecutor(ns, { namespace: "no-such-namespace-here" });
    try {
      await expect(rec.executor.launch(launchOrder())).rejects.toMatchObject({
        code: "not-found",
        message: expect.stringContaining("creating Job"),
      });
    } finally {
      await rec.executor.close();
    }
  });

  it("lists a running Job in known() from a fresh executor, as after a restart", async () => {
    const first = await recordedExecutor(ns);
    const order = launchOrder({ node: "v100-0", gpus: 1, attempt: 3 });
    try {
      await first.executor.launch(order);
      await first.event(order.job, "running");
    } finally {
      await first.executor.close();
    }
    const restarted = await recordedExecutor(ns);
    try {
      expect(await restarted.executor.known()).toContainEqual({ job: order.job, attempt: 3 });
      // Only a run's end is written onto its Job: a run still going is reported running once more
      // (Berth takes the repeat as changing nothing, report-sources.test.ts), and nothing else.
      await restarted.event(order.job, "running");
      expect(restarted.typesOf(order.job)).toEqual(["running"]);
      await restarted.executor.stop(order.job, 3, Date.now());
      await restarted.event(order.job, "stopped");
      await waitForJobPods(ns.core, ns.name, runJobName(order.job, 3), "to be gone", (p) => p.length === 0);
    } finally {
      await restarted.executor.close();
    }
  });

  it("resumes its watch after close and reopen without repeating a finished run's end", async () => {
    const before = await recordedExecutor(ns);
    const done = launchOrder({ node: "v100-0", durationSeconds: 0.5 });
    const later = launchOrder({ node: "v100-1", durationSeconds: 3 });
    let version: string | undefined;
    try {
      await before.executor.launch(done);
      await before.event(done.job, "succeeded");
      await before.executor.launch(later);
      await before.event(later.job, "running");
      expect(before.typesOf(later.job)).toEqual(["running"]);
    } finally {
      await before.executor.close();
      version = before.executor.resourceVersion;
    }
    // `later` finishes while no executor watches.
    await waitFor("the unwatched run to complete", async () => {
      const j = await ns.batch.readNamespacedJob({ name: runJobName(later.job, 1), namespace: ns.name });
      return jobCondition(j, "Complete");
    });

    const resumed = await recordedExecutor(ns, { resumeFrom: version! });
    try {
      await resumed.event(later.job, "succeeded");
      // A marker launched after the fact: once its report is in, everything before it was seen.
      const marker = launchOrder({ node: "t4-1", durationSeconds: 0.5 });
      await resumed.executor.launch(marker);
      await resumed.event(marker.job, "succeeded");
      // Its end was never reported, so it comes now (after the running a finished run is first
      // reported with, which Berth ignores once it has it); `done`'s end is written on its Job.
      expect(resumed.typesOf(later.job)).toEqual(["running", "succeeded"]);
      expect(resumed.typesOf(done.job)).toEqual([]);
    } finally {
      await resumed.executor.close();
    }

    // A third executor starting from a fresh list repeats nothing either.
    const relisted = await recordedExecutor(ns);
    try {
      expect(relisted.events).toEqual([]);
    } finally {
      await relisted.executor.close();
    }
  });
});
