// A node whose allocatable GPUs drop (a GPU failed, the device plugin reports fewer) loses the
// ordinals above the new count: a reservation holding them is re-placed, as on node loss.
import { describe, expect, it } from "vitest";
import { upsertNode } from "../../../src/adapters/db/repos/nodes.ts";
import { runTick } from "../../../src/services/scheduling/tick.ts";
import { HOUR, T0, useHarness } from "../../support/api-harness.ts";
import { BACKENDS } from "../../support/database.ts";
import { recordingExecutor } from "../../support/recording-executor.ts";

const iso = (t: number) => new Date(t).toISOString();

describe.each(BACKENDS)("a node that loses GPUs, on %s", (backend) => {
  const env = useHarness(backend, ["vision"]);

  it("re-places the reservation holding its upper ordinals onto GPUs that still exist", async () => {
    const { h, tokens } = env;
    const deps = { ctx: h.ctx, noShowSeconds: 0, executor: recordingExecutor().executor };
    const book = async (gpusPerNode: number) => {
      const r = await h.call("POST", "/api/v1/reservations", {
        token: tokens.vision,
        body: {
          pool: "V100",
          nodes: 1,
          gpusPerNode,
          priority: "high",
          start: iso(T0),
          end: iso(T0 + 4 * HOUR),
        },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body as { id: string; placement: { node: string; gpus: number[] }[] };
    };
    const whole = await book(4);
    const node = whole.placement[0]!.node;
    await upsertNode(h.ctx.db, { name: node, pool: "V100", gpus: 2 });
    await runTick(deps, T0 + HOUR);
    const after = (await h.call("GET", `/api/v1/reservations/${whole.id}`)).body;
    expect(after.state).not.toBe("displaced");
    expect(after.placement).toEqual([{ node: node === "V100-0" ? "V100-1" : "V100-0", gpus: [0, 1, 2, 3] }]);
  });
});
