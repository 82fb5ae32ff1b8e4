// The executor's watch on the real API server: it resumes across the server ending each watch
// connection, and resumed from an old version it still reports what happened meanwhile, once.
import { describe, expect, it } from "vitest";
import { runJobName } from "../../src/basics/job-names.ts";
import { waitFor } from "../cluster/wait.ts";
import { launchOrder, recordedExecutor } from "./support/executor.ts";
import { jobCondition } from "./support/jobs.ts";
import { useNamespace } from "./support/namespace.ts";

describe("the Kubernetes executor's watch", () => {
  const ns = useNamespace("executor-watch");

  it("keeps reporting across watch connections the server ends every second", async () => {
    const errors: Error[] = [];
    const rec = await recordedExecutor(ns, { watchTimeoutSeconds: 1, onError: (e) => errors.push(e) });
    try {
      const order = launchOrder({ node: "v100-0", durationSeconds: 3 });
      await rec.executor.launch(order);
      await rec.event(order.job, "succeeded");
      expect(rec.typesOf(order.job)).toEqual(["running", "succeeded"]);
      // The run outlived several connections, each resumed from the last version seen.
      expect(rec.executor.watchConnections).toBeGreaterThanOrEqual(3);
      expect(rec.executor.lists).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      await rec.executor.close();
    }
  });

  it("resumes from a version long past and still reports the run it missed, once", async () => {
    const order = launchOrder({ node: "v100-1", durationSeconds: 0.5 });
    // Launched by an executor nobody listens to: no report has been delivered for this run.
    const silent = await recordedExecutor(ns);
    await silent.executor.close();
    await silent.executor.launch(order);
    await waitFor("the run to complete", async () => {
      const j = await ns.batch.readNamespacedJob({ name: runJobName(order.job, 1), namespace: ns.name });
      return jobCondition(j, "Complete");
    });

    const errors: Error[] = [];
    // resourceVersion 1 predates everything: the server replays the current state (it answers 410
    // Gone only once its watch cache has evicted events; executor-watch-gone.test.ts covers that).
    const rec = await recordedExecutor(ns, { resumeFrom: "1", onError: (e) => errors.push(e) });
    try {
      await rec.event(order.job, "succeeded");
      expect(rec.typesOf(order.job)).toEqual(["running", "succeeded"]);
      expect(errors).toEqual([]);
    } finally {
      await rec.executor.close();
    }
  });

  it("stops watching when closed: a run launched afterwards reaches only a live executor", async () => {
    const closed = await recordedExecutor(ns);
    const live = await recordedExecutor(ns);
    try {
      await closed.executor.close();
      const order = launchOrder({ node: "t4-0", durationSeconds: 0.5 });
      await live.executor.launch(order);
      await live.event(order.job, "succeeded");
      // Only the new run matters: at its start the closed executor may have replayed earlier
      // tests' runs in this namespace (a report an earlier executor had not written down yet).
      expect(closed.typesOf(order.job)).toEqual([]);
    } finally {
      await live.executor.close();
    }
  });

  it("keeps watching and reporting when a listener throws, and says so through onError", async () => {
    const errors: Error[] = [];
    const rec = await recordedExecutor(ns, { onError: (e) => errors.push(e) });
    rec.executor.onEvent(() => {
      throw new Error("listener failed");
    });
    try {
      const first = launchOrder({ node: "v100-2", durationSeconds: 0.5 });
      await rec.executor.launch(first);
      await rec.event(first.job, "succeeded");
      expect(errors.map((e) => e.message)).toContain("listener failed");
    } finally {
      await rec.executor.close();
    }
  });

  it("marks a report delivered on the Job only once Berth kept it: one it failed to keep reaches the next executor", async () => {
    const errors: Error[] = [];
    const first = await recordedExecutor(ns, { onError: (e) => errors.push(e) });
    // Berth's record of the report fails (the database refused it, or the process stopped first).
    first.executor.onEvent(() => Promise.reject(new Error("the database refused the report")));
    const order = launchOrder({ node: "v100-3", durationSeconds: 0.5 });
    try {
      await first.executor.launch(order);
      await first.event(order.job, "succeeded");
      await waitFor("the failed record to be said", () =>
        errors.some((e) => e.message === "the database refused the report"),
      );
    } finally {
      await first.executor.close();
    }
    const name = runJobName(order.job, order.attempt);
    const job = await ns.batch.readNamespacedJob({ name, namespace: ns.name });
    expect(job.metadata?.annotations?.["berth.dev/reported"]).toBeUndefined();
    const next = await recordedExecutor(ns);
    try {
      await next.event(order.job, "succeeded");
      await waitFor("the kept report to be written on the Job", async () => {
        const j = await ns.batch.readNamespacedJob({ name, namespace: ns.name });
        return j.metadata?.annotations?.["berth.dev/reported"] === "succeeded";
      });
    } finally {
      await next.executor.close();
    }
  });
});
