// `berth simulate` as a function: workload JSON in, the contract's output out (docs/rules.md §3).
// Identical input gives identical output: the core is deterministic and nothing here reads a clock.
import { computeMetrics, type Metrics } from "./metrics.ts";
import { isPolicyName, POLICY_NAMES, policyOf } from "./policies.ts";
import { type SimEvent, sortEvents, toOutputEvent } from "./sim-events.ts";
import { runSimulation, type SimulationOptions } from "./simulator.ts";
import { parseWorkload, WorkloadError } from "./workload.ts";

export const POLICIES = POLICY_NAMES;

export interface SimulateOutput {
  policy: string;
  metrics: Metrics;
  events: SimEvent[];
}

export function simulateWorkload(
  input: unknown,
  policy = "berth",
  options: SimulationOptions = {},
): SimulateOutput {
  if (!isPolicyName(policy)) {
    throw new WorkloadError(`unknown policy "${policy}" (known: ${POLICIES.join(", ")})`);
  }
  const workload = parseWorkload(input);
  const log = runSimulation(workload, policyOf(policy), options);
  return {
    policy,
    metrics: computeMetrics(workload, log),
    events: sortEvents(log.events).map(toOutputEvent),
  };
}
