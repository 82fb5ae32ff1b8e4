// Test double for the cluster (no GPUs or container runtime here): records launch and stop orders
// and reports nothing by itself; a test reports runs with `recordExecutorEvent`.
import type { Executor, LaunchOrder } from "../../src/services/ports.ts";

export function recordingExecutor() {
  const launches: LaunchOrder[] = [];
  const stops: { job: string; attempt: number; stopAt: number }[] = [];
  const executor: Executor = {
    kind: "simulated",
    launch: async (o) => {
      launches.push(o);
    },
    stop: async (job, attempt, stopAt) => {
      stops.push({ job, attempt, stopAt });
    },
    known: async () => [],
    onEvent: () => {},
    close: async () => {},
  };
  return { executor, launches, stops };
}
