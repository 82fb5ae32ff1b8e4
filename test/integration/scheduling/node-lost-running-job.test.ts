// A running job whose node is lost: its run is stopped and the job requeued with the reason shown
// on it (docs/rules.md §5 "Failures on the cluster"), and it runs again on the re-placed slots.
import { describe, expect, it } from "vitest";
import { upsertNode } from "../../../src/adapters/db/repos/nodes.ts";
import { recordExecutorEvent } from "../../../src/services/scheduling/executor-events.ts";
import { runTick } from "../../../src/services/scheduling/tick.ts";
import { HOUR, T0, useHarness } from "../../support/api-harness.ts";
import { recordingExecutor } from "../../support/recording-executor.ts";

const iso = (t: number) => new Date(t).toISOString();

describe("a running job whose node is lost, on pglite", () => {
  const env = useHarness("pglite", ["vision"]);

  it("is stopped, requeued with the reason, and admitted again on the reservation's new node", async () => {
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
    const node = r.body.placement[0].node as string;
    const j = await h.call("POST", "/api/v1/jobs", {
      token: tokens.vision,
      body: { kind: "external", pool: "V100", gpus: 4, reservation: r.body.id, spec: { image: "x:1" } },
    });
    expect(j.status, JSON.stringify(j.body)).toBe(201);
    const id = j.body.id as string;
    await runTick(deps, T0 + 1000);
    await recordExecutorEvent({ ctx: h.ctx }, { job: id, attempt: 1, type: "running", at: T0 + 2000 });
    await upsertNode(h.ctx.db, { name: node, pool: "V100", gpus: 4, up: false });
    await runTick(deps, T0 + 3000);
    const stopped = (await h.call("GET", `/api/v1/jobs/${id}`, { token: tokens.vision })).body;
    expect(stopped.reason).toBe(`node lost: ${node}; the run is stopped and the job requeued`);
    expect(rec.stops).toContainEqual(expect.objectContaining({ job: id, attempt: 1 }));
    await recordExecutorEvent({ ctx: h.ctx }, { job: id, attempt: 1, type: "stopped", at: T0 + 4000 });
    await runTick(deps, T0 + 5000);
    const again = (await h.call("GET", `/api/v1/jobs/${id}`, { token: tokens.vision })).body;
    expect(again).toMatchObject({ state: "admitted", attempts: 2 });
    expect(again.placement[0].node).not.toBe(node);
  });
});
