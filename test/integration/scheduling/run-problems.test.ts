// What goes wrong with a run on the cluster (docs/rules.md §5 "Failures on the cluster"), through the
// services the watches call: a fatal problem a run's pods show fails the job with the reason and
// stops its run by an intent, its GPUs taken until the run has stopped; an Unschedulable pod only
// shows its reason; a running job whose node is lost is stopped and requeued with the reason, and
// runs again on the reservation's new node (before, the cycle that requeued and re-admitted it in
// one go threw on every tick).
import { describe, expect, it } from "vitest";
import { upsertNode } from "../../../src/adapters/db/repos/nodes.ts";
import { recordExecutorEvent } from "../../../src/services/scheduling/executor-events.ts";
import { recordRunProblem } from "../../../src/services/scheduling/run-problems.ts";
import { runTick } from "../../../src/services/scheduling/tick.ts";
import { HOUR, T0, useHarness } from "../../support/api-harness.ts";
import { recordingExecutor } from "../../support/recording-executor.ts";

const iso = (t: number) => new Date(t).toISOString();

type Env = ReturnType<typeof useHarness<"vision">>;

/** A reservation of one V100 node's 4 GPUs from T0, a way to submit its jobs, and to read one. */
async function setUp(env: Env) {
  const { h, tokens } = env;
  const rec = recordingExecutor();
  const deps = { ctx: h.ctx, noShowSeconds: 0, executor: rec.executor };
  const r = await h.call("POST", "/api/v1/reservations", {
    token: tokens.vision,
    body: {
      pool: "V100",
      nodes: 1,
      gpusPerNode: 4,
      priority: "high",
      start: iso(T0),
      end: iso(T0 + 4 * HOUR),
    },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const submit = async () => {
    const j = await h.call("POST", "/api/v1/jobs", {
      token: tokens.vision,
      body: { kind: "external", pool: "V100", gpus: 4, reservation: r.body.id, spec: { image: "x:1" } },
    });
    expect(j.status, JSON.stringify(j.body)).toBe(201);
    return j.body.id as string;
  };
  const job = (id: string) =>
    h.call("GET", `/api/v1/jobs/${id}`, { token: tokens.vision }).then((x) => x.body);
  return { h, rec, deps, node: r.body.placement[0].node as string, submit, job };
}

describe("problems a run's pods show, on pglite", () => {
  const env = useHarness("pglite", ["vision"]);

  it("fail the job at once, stop its run, and keep its GPUs until the run has stopped", async () => {
    const { h, rec, deps, submit, job } = await setUp(env);
    const first = await submit();
    await runTick(deps, T0 + 1000);

    // Unschedulable for now: the reason shows, the job stays admitted.
    const waiting = "Unschedulable: 0/4 nodes are available";
    const base = { job: first, attempt: 1, fatal: false };
    await recordRunProblem(h.ctx, { ...base, at: T0 + 2000, kind: "unschedulable", message: waiting });
    expect(await job(first)).toMatchObject({ state: "admitted", reason: waiting });

    const reason = "ErrImagePull: image x:1 of container main cannot be pulled: not found";
    await recordRunProblem(h.ctx, {
      ...base,
      at: T0 + 3000,
      kind: "image-pull",
      message: reason,
      fatal: true,
    });
    const failed = await job(first);
    expect(failed).toMatchObject({ state: "failed", reason });
    expect(failed.placement).not.toBeNull();
    const audit = (await h.call("GET", `/api/v1/audit?job=${first}`)).body.items;
    expect(audit.map((a: { action: string }) => a.action)).toEqual(["pod-unschedulable", "run-failed"]);

    // The next job waits: the failed run's GPUs are taken until it has stopped.
    const second = await submit();
    await runTick(deps, T0 + 4000);
    expect(rec.stops).toContainEqual(expect.objectContaining({ job: first, attempt: 1 }));
    expect((await job(second)).state).toBe("queued");
    await recordExecutorEvent({ ctx: h.ctx }, { job: first, attempt: 1, type: "stopped", at: T0 + 5000 });
    expect(await job(first)).toMatchObject({ state: "failed", reason, placement: null });
    await runTick(deps, T0 + 6000);
    expect((await job(second)).state).toBe("admitted");
  });
});

describe("a running job whose node is lost, on pglite", () => {
  const env = useHarness("pglite", ["vision"]);

  it("is stopped, requeued with the reason, and admitted again elsewhere", async () => {
    const { h, rec, deps, node, submit, job } = await setUp(env);
    const id = await submit();
    await runTick(deps, T0 + 1000);
    await recordExecutorEvent({ ctx: h.ctx }, { job: id, attempt: 1, type: "running", at: T0 + 2000 });
    await upsertNode(h.ctx.db, { name: node, pool: "V100", gpus: 4, up: false });
    await runTick(deps, T0 + 3000);
    expect((await job(id)).reason).toBe(`node lost: ${node}; the run is stopped and the job requeued`);
    expect(rec.stops).toContainEqual(expect.objectContaining({ job: id, attempt: 1 }));
    // The lost run's late report changes nothing.
    await recordExecutorEvent({ ctx: h.ctx }, { job: id, attempt: 1, type: "stopped", at: T0 + 4000 });
    await runTick(deps, T0 + 5000);
    const again = await job(id);
    expect(again).toMatchObject({ state: "admitted", attempts: 2 });
    expect(again.placement[0].node).not.toBe(node);
  });
});
