// A launch that fails must never stop the loop: the job fails with the reason (or waits and tries
// again where the cause may pass), later jobs still launch, and neither a cancel nor a restart is
// held up by an intent that cannot be applied.
import { describe, expect, it } from "vitest";
import { buildRunJob } from "../../../src/adapters/kube/job-manifest.ts";
import { DomainError } from "../../../src/basics/domain-error.ts";
import type { Executor, LaunchOrder } from "../../../src/services/ports.ts";
import { relaunchRuns } from "../../../src/services/scheduling/scheduling-cycle.ts";
import { runTick } from "../../../src/services/scheduling/tick.ts";
import { HOUR, T0, useHarness } from "../../support/api-harness.ts";
import { BACKENDS } from "../../support/database.ts";
import { recordingExecutor } from "../../support/recording-executor.ts";

/**
 * The recording executor, except that each launch first builds the real Job manifest (so a spec
 * the Kubernetes executor cannot run fails here the same way) and teams in `homeless` have no
 * namespace, failing as the Kubernetes executor's namespace lookup does.
 */
function manifestExecutor(homeless: Set<string>) {
  const rec = recordingExecutor();
  const launch = async (o: LaunchOrder) => {
    if (homeless.has(o.team))
      throw new DomainError("invalid-state", `no namespace is labelled berth.dev/team=${o.team}`);
    buildRunJob(o, { namespace: o.team, terminationGracePeriodSeconds: 30 });
    await rec.executor.launch(o);
  };
  return { ...rec, executor: { ...rec.executor, launch } satisfies Executor };
}

describe.each(BACKENDS)("launch failures on %s", (backend) => {
  const env = useHarness(backend, ["vision", "audio"]);

  const job = async (token: string, spec: Record<string, unknown>, gpus = 1) =>
    (
      await env.h.call("POST", "/api/v1/jobs", {
        token,
        body: { kind: "external", pool: "V100", gpus, priority: "normal", spec },
      })
    ).body as { id: string };
  const get = async (id: string) => (await env.h.call("GET", `/api/v1/jobs/${id}`)).body;
  const cleanUp = async () => {
    const items = (await env.h.call("GET", "/api/v1/jobs?limit=500")).body.items as {
      id: string;
      state: string;
    }[];
    for (const j of items)
      if (!["succeeded", "failed", "cancelled"].includes(j.state))
        await env.h.call("DELETE", `/api/v1/jobs/${j.id}`);
  };

  it("fails a job whose spec cannot be launched, with the reason, and launches the jobs after it", async () => {
    const {
      h,
      tokens: { vision, audio },
    } = env;
    const { executor, launches } = manifestExecutor(new Set());
    const deps = { ctx: h.ctx, noShowSeconds: 0, executor };
    // A spec without an image is refused at submission now; a job stored before that check (or
    // written by an older Berth) still reaches the loop, and must not stop it.
    const broken = await job(vision, { image: "busybox" });
    await h.ctx.db
      .updateTable("jobs")
      .set({ spec: JSON.stringify({}) })
      .where("id", "=", broken.id)
      .execute();
    await runTick(deps, T0);
    expect(await get(broken.id)).toMatchObject({
      state: "failed",
      reason: expect.stringContaining("spec.image"),
    });
    const fine = await job(audio, { image: "busybox" });
    await runTick(deps, T0 + 1_000);
    await runTick(deps, T0 + 2_000);
    expect(launches.map((l) => l.job)).toEqual([fine.id]);
    const audit = await h.ctx.db
      .selectFrom("audit_log")
      .selectAll()
      .where("job_id", "=", broken.id)
      .execute();
    expect(audit.map((a) => a.action)).toContain("launch-failed");
    await cleanUp();
  });

  it("queues a job whose launch may succeed later with a backoff, then fails it after repeated failures", async () => {
    const {
      h,
      tokens: { vision, audio },
    } = env;
    const homeless = new Set(["vision"]);
    const { executor, launches } = manifestExecutor(homeless);
    const deps = { ctx: h.ctx, noShowSeconds: 0, executor };
    const waiting = await job(vision, { image: "busybox" });
    const t = T0 + HOUR;
    const first = await runTick(deps, t);
    expect(await get(waiting.id)).toMatchObject({
      state: "queued",
      attempts: 1,
      reason: expect.stringContaining("no namespace"),
    });
    // Not admitted again before its backoff; the loop asks to be woken for it.
    expect(first.nextWakeAt).not.toBeNull();
    expect(first.nextWakeAt!).toBeGreaterThan(t);
    const other = await job(audio, { image: "busybox" });
    await runTick(deps, t + 1_000);
    expect(launches.map((l) => l.job)).toEqual([other.id]);
    expect((await get(waiting.id)).attempts).toBe(1);
    // The namespace appears: the next admission after the backoff launches it.
    homeless.delete("vision");
    await runTick(deps, t + HOUR);
    expect(launches.map((l) => l.job)).toEqual([other.id, waiting.id]);
    expect(await get(waiting.id)).toMatchObject({ state: "admitted", attempts: 2 });
    await cleanUp();

    // A cause that never passes ends in failure, not in an endless retry.
    homeless.add("vision");
    const doomed = await job(vision, { image: "busybox" });
    for (let i = 0; i < 12; i++) await runTick(deps, t + (2 + i) * HOUR);
    expect(await get(doomed.id)).toMatchObject({
      state: "failed",
      reason: expect.stringContaining("no namespace"),
    });
    await cleanUp();
  });

  it("applies no intent of a job that was cancelled before its launch reached the cluster", async () => {
    const {
      h,
      tokens: { vision },
    } = env;
    const { executor, launches } = manifestExecutor(new Set());
    const t = T0 + 20 * HOUR;
    const crashing: Executor = { ...executor, launch: async () => Promise.reject(new Error("crashed")) };
    const j = await job(vision, { image: "busybox" });
    // The cycle persisted the admission, then the process died before the executor heard of it.
    await runTick({ ctx: h.ctx, noShowSeconds: 0, executor: crashing }, t).catch(() => {});
    expect(await h.call("DELETE", `/api/v1/jobs/${j.id}`)).toMatchObject({ status: 200 });
    await runTick({ ctx: h.ctx, noShowSeconds: 0, executor }, t + 1_000);
    expect(launches.map((l) => l.job)).not.toContain(j.id);
    const pending = await h.ctx.db
      .selectFrom("decisions")
      .select("id")
      .where("state", "=", "intent")
      .execute();
    expect(pending).toEqual([]);
  });

  it("starts again after a restart when a run the database holds cannot be launched", async () => {
    const {
      h,
      tokens: { vision },
    } = env;
    const { executor } = manifestExecutor(new Set());
    const t = T0 + 30 * HOUR;
    const j = await job(vision, { image: "busybox" });
    await runTick({ ctx: h.ctx, noShowSeconds: 0, executor }, t);
    expect((await get(j.id)).state).toBe("admitted");
    // After the restart the cluster refuses the run for good (here: its spec was made unlaunchable).
    await h.ctx.db
      .updateTable("jobs")
      .set({ spec: JSON.stringify({}) })
      .where("id", "=", j.id)
      .execute();
    await expect(relaunchRuns(h.ctx, executor)).resolves.toBeTypeOf("number");
    expect(await get(j.id)).toMatchObject({ state: "failed", reason: expect.stringContaining("spec.image") });
  });
});
