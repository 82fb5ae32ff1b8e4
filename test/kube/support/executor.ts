// Helpers for the Kubernetes executor's tests: an executor on the test namespace whose reports are
// recorded, a way to await a report with a deadline, and launch orders shaped like the scheduling
// cycle's (job, attempt, placement) with the simulation fields kwok reads.
import { randomBytes } from "node:crypto";
import type { KubeLaunchOrder } from "../../../src/adapters/kube/job-manifest.ts";
import {
  KubernetesExecutor,
  type KubernetesExecutorOptions,
} from "../../../src/adapters/kube/kubernetes-executor.ts";
import type { ExecutorEvent } from "../../../src/services/ports.ts";
import { waitFor } from "../../cluster/wait.ts";
import type { TestNamespace } from "./namespace.ts";

export interface RecordedExecutor {
  readonly executor: KubernetesExecutor;
  /** Every report, in delivery order, with the wall-clock time it arrived. */
  readonly events: (ExecutorEvent & { received: number })[];
  /** Awaits a report of `type` for `job`; returns it. */
  event(
    job: string,
    type: ExecutorEvent["type"],
    timeoutMs?: number,
  ): Promise<ExecutorEvent & { received: number }>;
  /** The reports for one job, as types. */
  typesOf(job: string): string[];
}

export async function recordedExecutor(
  ns: TestNamespace,
  extra: Partial<KubernetesExecutorOptions> = {},
): Promise<RecordedExecutor> {
  const executor = new KubernetesExecutor({
    kubeconfig: ns.config,
    namespace: ns.name,
    graceSeconds: 5,
    ...extra,
  });
  const events: RecordedExecutor["events"] = [];
  executor.onEvent((e) => {
    events.push({ ...e, received: Date.now() });
  });
  await executor.synced();
  return {
    executor,
    events,
    event: (job, type, timeoutMs = 60_000) =>
      waitFor(`a ${type} report for ${job}`, () => events.find((e) => e.job === job && e.type === type), {
        timeoutMs,
        intervalMs: 10,
      }),
    typesOf: (job) => events.filter((e) => e.job === job).map((e) => e.type),
  };
}

export function newJobId(): string {
  return `j-${randomBytes(5).toString("hex")}`;
}

export interface OrderOptions {
  job?: string;
  attempt?: number;
  node?: string;
  gpus?: number;
  /** Absent: the simulated run goes on until it is stopped. */
  durationSeconds?: number;
  exitCode?: number;
}

export function launchOrder(o: OrderOptions = {}): KubeLaunchOrder {
  const gpus = o.gpus ?? 1;
  return {
    job: o.job ?? newJobId(),
    attempt: o.attempt ?? 1,
    kind: "external",
    team: "team-a",
    placement: [{ node: o.node ?? "v100-0", gpus: Array.from({ length: gpus }, (_, i) => i) }],
    spec: {
      // Never pulled: kwok simulates the container.
      image: "berth.invalid/sim:1",
      ...(o.durationSeconds !== undefined ? { simDurationSeconds: o.durationSeconds } : {}),
      ...(o.exitCode !== undefined ? { simExitCode: o.exitCode } : {}),
    },
  };
}
