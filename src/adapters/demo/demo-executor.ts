// The simulated demo cluster's executor for `npm start` without Kubernetes (said in the log and the
// UI): a launched run "runs" for `spec.simDurationSeconds` (default 600) of wall-clock time, then
// succeeds; a stop frees its GPUs at `stopAt` (the grace period a real job uses to checkpoint).
// A test double for real GPUs and a container runtime, which cannot run here. A run whose kind can
// work without a cluster (a validation: `berth validate` on the CPU) runs for real as a local
// process instead (local-runs.ts).
import type { Millis } from "../../core/types.ts";
import type { Executor, ExecutorEvent, ExecutorListener } from "../../services/ports.ts";
import { localRuns } from "./local-runs.ts";

export interface DemoExecutorOptions {
  readonly now: () => Millis;
  readonly defaultDurationSeconds?: number;
}

export function createDemoExecutor(o: DemoExecutorOptions): Executor {
  const listeners: ExecutorListener[] = [];
  const runs = new Map<string, { job: string; attempt: number; timer: NodeJS.Timeout }>();
  const emit = (e: ExecutorEvent) => {
    // A listener says what went wrong itself; a report it failed to keep is not sent again here.
    for (const l of listeners) Promise.resolve(l(e)).catch(() => {});
  };
  const key = (job: string, attempt: number) => `${job}#${attempt}`;
  const local = localRuns({ now: o.now, emit: (e) => emit(e) });
  const schedule = (job: string, attempt: number, delayMs: number, type: "succeeded" | "stopped") => {
    const k = key(job, attempt);
    const prev = runs.get(k);
    if (prev) clearTimeout(prev.timer);
    const timer = setTimeout(
      () => {
        runs.delete(k);
        emit({ job, attempt, type, at: o.now() });
      },
      Math.max(0, delayMs),
    );
    timer.unref();
    runs.set(k, { job, attempt, timer });
  };
  return {
    kind: "simulated",
    async launch(order) {
      if (runs.has(key(order.job, order.attempt)) || local.has(order.job, order.attempt)) return;
      if (order.run?.local) return local.start(order.job, order.attempt, order.run.local);
      const seconds = Number(order.spec.simDurationSeconds ?? o.defaultDurationSeconds ?? 600);
      schedule(order.job, order.attempt, (Number.isFinite(seconds) ? seconds : 600) * 1000, "succeeded");
      queueMicrotask(() => emit({ job: order.job, attempt: order.attempt, type: "running", at: o.now() }));
    },
    async stop(job, attempt, stopAt) {
      if (local.stop(job, attempt)) return;
      schedule(job, attempt, stopAt - o.now(), "stopped");
    },
    async known() {
      return [...runs.values()].map(({ job, attempt }) => ({ job, attempt })).concat(local.known());
    },
    onEvent(listener) {
      listeners.push(listener);
    },
    async close() {
      for (const r of runs.values()) clearTimeout(r.timer);
      runs.clear();
      await local.close();
    },
  };
}
