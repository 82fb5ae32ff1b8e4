// A run's reports come from its own Job: the first report fixes the Job's namespace and uid, and a
// report that names the run but comes from a Job in another team's namespace, or from another
// object, changes nothing (anyone who may create a Job can copy a run's labels).
import { describe, expect, it } from "vitest";
import type { ExecutorEvent } from "../../../src/services/ports.ts";
import { recordExecutorEvent } from "../../../src/services/scheduling/executor-events.ts";
import { relaunchRuns } from "../../../src/services/scheduling/scheduling-cycle.ts";
import { runTick } from "../../../src/services/scheduling/tick.ts";
import { T0, useHarness } from "../../support/api-harness.ts";
import { BACKENDS } from "../../support/database.ts";
import { recordingExecutor } from "../../support/recording-executor.ts";

describe.each(BACKENDS)("where a run's reports may come from, on %s", (backend) => {
  const env = useHarness(backend, ["vision", "mallory"]);
  /** A one-GPU job of vision's, admitted by a tick (its first attempt launched). */
  const admittedJob = async () => {
    const { executor, launches } = recordingExecutor();
    const job = (
      await env.h.call("POST", "/api/v1/jobs", {
        token: env.tokens.vision,
        body: { kind: "external", pool: "V100", gpus: 1, spec: { image: "busybox" } },
      })
    ).body.id as string;
    await runTick({ ctx: env.h.ctx, noShowSeconds: 0, executor }, T0);
    return { job, executor, launches };
  };

  it("heeds only the Job the run's first report came from, in the run's team's namespace", async () => {
    const { h } = env;
    const { job } = await admittedJob();
    const own = { namespace: "vision", uid: "uid-own", team: "vision" };
    const report = (type: ExecutorEvent["type"], source: ExecutorEvent["source"], at: number) =>
      recordExecutorEvent({ ctx: h.ctx }, { job, attempt: 1, type, at, ...(source ? { source } : {}) });
    const state = async () => (await h.call("GET", `/api/v1/jobs/${job}`)).body;

    await report("running", own, T0 + 1_000);
    expect(await state()).toMatchObject({ state: "running", attempts: 1 });

    // Mallory's namespace, the run's labels (team label mallory, or vision's name copied).
    await report("succeeded", { namespace: "mallory", uid: "uid-forged", team: "mallory" }, T0 + 2_000);
    // Vision's own namespace, another object (a second Job copying the labels).
    await report("stopped", { namespace: "vision", uid: "uid-copy", team: "vision" }, T0 + 3_000);
    expect(await state()).toMatchObject({ state: "running", attempts: 1 });

    await report("succeeded", own, T0 + 4_000);
    expect(await state()).toMatchObject({ state: "succeeded", attempts: 1 });
  });

  it("takes a running report sent again, as a restarted executor sends it, as changing nothing", async () => {
    // The Kubernetes executor writes only a run's end onto its Job (berth.dev/reported), so a
    // restarted executor reports a run still going as running once more.
    const { h, tokens } = env;
    const { job } = await admittedJob();
    const own = { namespace: "vision", uid: "uid-own", team: "vision" };
    const report = (type: ExecutorEvent["type"], at: number) =>
      recordExecutorEvent({ ctx: h.ctx }, { job, attempt: 1, type, at, source: own });
    const state = async () => (await h.call("GET", `/api/v1/jobs/${job}`, { token: tokens.vision })).body;

    await report("running", T0 + 1_000);
    const first = await state();
    expect(first).toMatchObject({ state: "running", attempts: 1 });
    await report("running", T0 + 60_000);
    expect(await state()).toEqual(first);
    await report("succeeded", T0 + 90_000);
    await report("running", T0 + 95_000);
    expect(await state()).toMatchObject({ state: "succeeded", attempts: 1 });
  });

  it("heeds the Job created anew when the run's Job vanished while Berth was down", async () => {
    const { h } = env;
    const { job, executor, launches } = await admittedJob();
    const report = (type: ExecutorEvent["type"], uid: string, at: number) =>
      recordExecutorEvent(
        { ctx: h.ctx },
        { job, attempt: 1, type, at, source: { namespace: "vision", uid, team: "vision" } },
      );
    await report("running", "uid-first", T0 + 1_000);
    // After a restart the cluster knows no Job of the run: Berth creates it again (a new uid).
    await relaunchRuns(h.ctx, executor);
    expect(launches.filter((l) => l.job === job)).toHaveLength(2);
    await report("succeeded", "uid-second", T0 + 2_000);
    expect((await h.call("GET", `/api/v1/jobs/${job}`)).body).toMatchObject({ state: "succeeded" });
  });
});
