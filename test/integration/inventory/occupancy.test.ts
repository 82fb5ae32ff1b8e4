// What the timeline reads: a pool's holds per node, how many of each hold's GPUs its own jobs use
// and how many are lent, and the jobs on each node. An owner's job on 1 of its 4 GPUs and a
// borrower on 2 more leave 1 reserved GPU idle, which the timeline flags.
import { describe, expect, it } from "vitest";
import { runTick } from "../../../src/services/scheduling/tick.ts";
import { HOUR, T0, useHarness } from "../../support/api-harness.ts";
import { BACKENDS } from "../../support/database.ts";
import { recordingExecutor } from "../../support/recording-executor.ts";

const iso = (t: number) => new Date(t).toISOString();

describe.each(BACKENDS)("occupancy on %s", (backend) => {
  const env = useHarness(backend, ["vision", "audio"]);

  it("shows each hold's running and lent GPUs and the jobs on each node", async () => {
    const { h, tokens } = env;
    const booked = await h.call("POST", "/api/v1/reservations", {
      token: tokens.vision,
      body: {
        pool: "V100",
        nodes: 2,
        gpusPerNode: 4,
        start: iso(T0),
        end: iso(T0 + 4 * HOUR),
        priority: "normal",
        title: "sweep",
      },
    });
    expect(booked.status).toBe(201);
    const own = await h.call("POST", "/api/v1/jobs", {
      token: tokens.vision,
      body: {
        kind: "external",
        pool: "V100",
        gpus: 1,
        reservation: booked.body.id,
        spec: { image: "busybox" },
      },
    });
    expect(own.status).toBe(201);
    const { executor } = recordingExecutor();
    await runTick({ ctx: h.ctx, noShowSeconds: 0, executor }, T0);
    const borrower = await h.call("POST", "/api/v1/jobs", {
      token: tokens.audio,
      body: { kind: "external", pool: "V100", gpus: 2, priority: "low", spec: { image: "busybox" } },
    });
    expect(borrower.status).toBe(201);
    await runTick({ ctx: h.ctx, noShowSeconds: 0, executor }, T0 + 1000);

    const occ = await h.call("GET", `/api/v1/pools/V100/occupancy?from=${iso(T0)}&to=${iso(T0 + 4 * HOUR)}`, {
      token: tokens.audio,
    });
    expect(occ.status).toBe(200);
    const holds = occ.body.nodes.flatMap((n: { holds: object[] }) => n.holds);
    const total = (k: string) => holds.reduce((s: number, x: Record<string, number>) => s + (x[k] ?? 0), 0);
    expect(total("runningGpus")).toBe(1);
    expect(total("lentGpus")).toBe(2);
    const jobs = occ.body.nodes.flatMap((n: { jobs: { job: string; lentFrom: string[] }[] }) => n.jobs);
    expect(jobs.map((j: { job: string }) => j.job).sort()).toEqual([own.body.id, borrower.body.id].sort());
    expect(jobs.find((j: { job: string }) => j.job === borrower.body.id)?.lentFrom).toEqual([booked.body.id]);
  });
});
