// The policies `berth simulate --policy` compares (docs/rules.md §3). Each is a configuration of the same
// core, not a scheduler of its own: what differs is whether reservations are booked at all, whether
// idle reserved GPUs are lent, whether weaker work is preempted, and the order of the queue. So a
// difference in the metrics is the policy's, never a difference between two implementations.
import type { PlanConfig } from "../core/snapshot.ts";
import { DEFAULT_PLAN_CONFIG } from "../core/snapshot.ts";

export interface Policy {
  readonly name: PolicyName;
  /** Reservations are booked and their jobs run on their slots; false: every job is ordinary work. */
  readonly books: boolean;
  readonly plan: PlanConfig;
}

export const POLICY_NAMES = ["berth", "fifo", "priority", "reserve-only"] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

const POLICIES: Readonly<Record<PolicyName, Policy>> = {
  // Bookings, lending with lead-time reclaim, preemption of strictly lower priority, fair order.
  berth: { name: "berth", books: true, plan: DEFAULT_PLAN_CONFIG },
  // No priorities, no preemption, reservations ignored: jobs in submission order, with backfill.
  fifo: {
    name: "fifo",
    books: false,
    plan: { ...DEFAULT_PLAN_CONFIG, preemption: false, order: "submission" },
  },
  // Kueue with priority classes: strict priority, preemption of strictly lower priority, FIFO within
  // a class (no fair share between teams), reservations ignored.
  priority: { name: "priority", books: false, plan: { ...DEFAULT_PLAN_CONFIG, order: "priority" } },
  // Slurm advance reservations: booked and displaced as under berth, but a reserved slot is never
  // lent (opportunistic work keeps off slots held now or later), so no reclaim is ever needed.
  "reserve-only": { name: "reserve-only", books: true, plan: { ...DEFAULT_PLAN_CONFIG, lending: false } },
};

export function isPolicyName(name: string): name is PolicyName {
  return (POLICY_NAMES as readonly string[]).includes(name);
}

export function policyOf(name: PolicyName): Policy {
  return POLICIES[name];
}
