// How many launches one cycle sends at once (BERTH_APPLY_CONCURRENCY, bench/launch compares 1 and
// 16): the loop never has more in flight than its setting, and uses the width it is given. The
// executor records launches (no cluster here); each launch yields once, so any launches sent
// together are in flight together.
import { describe, expect, it } from "vitest";
import type { Executor } from "../../../src/services/ports.ts";
import { APPLY_CONCURRENCY } from "../../../src/services/scheduling/scheduling-cycle.ts";
import { runTick } from "../../../src/services/scheduling/tick.ts";
import { T0, useHarness } from "../../support/api-harness.ts";
import { recordingExecutor } from "../../support/recording-executor.ts";

function widthRecordingExecutor() {
  const rec = recordingExecutor();
  let inFlight = 0;
  let widest = 0;
  const executor: Executor = {
    ...rec.executor,
    launch: async (o) => {
      inFlight++;
      widest = Math.max(widest, inFlight);
      await new Promise((r) => setImmediate(r));
      await rec.executor.launch(o);
      inFlight--;
    },
  };
  return { executor, launches: rec.launches, widest: () => widest };
}

describe.each([
  ["set to 1", 1, 1],
  ["by default", undefined, 6],
] as const)("launches one cycle sends at once, %s", (_what, applyConcurrency, widest) => {
  const env = useHarness("pglite", ["vision"]);

  it(`has at most ${widest} in flight for 6 launches`, async () => {
    expect(APPLY_CONCURRENCY).toBe(16);
    for (let i = 0; i < 6; i++) {
      const r = await env.h.call("POST", "/api/v1/jobs", {
        token: env.tokens.vision,
        body: { kind: "external", pool: "V100", gpus: 1, priority: "normal", spec: { image: "busybox" } },
      });
      expect(r.status).toBe(201);
    }
    const rec = widthRecordingExecutor();
    await runTick(
      {
        ctx: env.h.ctx,
        noShowSeconds: 0,
        executor: rec.executor,
        ...(applyConcurrency ? { applyConcurrency } : {}),
      },
      T0,
    );
    expect(rec.launches).toHaveLength(6);
    expect(rec.widest()).toBe(widest);
  });
});
