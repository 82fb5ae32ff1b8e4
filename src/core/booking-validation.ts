// Request checks of docs/rules.md §1 that need no capacity: field errors named by the contract's
// top-level fields, all of them at once so a user fixes a request in one go.
import { type BookingRules, gridFloor, onGrid } from "./booking-rules.ts";
import { type Inventory, type Millis, PRIORITIES, type Reservation } from "./types.ts";

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** What validation reads of a booking request: its pool, shape, window and class. */
export type ShapeRequest = Pick<Reservation, "pool" | "nodes" | "gpusPerNode" | "start" | "end" | "priority">;

const minutes = (ms: number) => `${ms / 60_000} min`;

export function validateBookingRequest(
  inventory: Inventory,
  request: ShapeRequest,
  now: Millis,
  rules: BookingRules,
): FieldError[] {
  const errors: FieldError[] = [];
  const pool = inventory.pools.find((p) => p.name === request.pool);
  if (!pool) errors.push({ field: "pool", message: `unknown pool "${request.pool}"` });
  if (!(PRIORITIES as readonly string[]).includes(request.priority)) {
    errors.push({ field: "priority", message: `priority must be one of ${PRIORITIES.join(", ")}` });
  }
  if (!Number.isInteger(request.nodes) || request.nodes < 1) {
    errors.push({ field: "nodes", message: "nodes must be an integer of at least 1" });
  } else if (pool) {
    const poolNodes = inventory.nodes.filter((n) => n.pool === pool.name).length;
    if (request.nodes > poolNodes) {
      errors.push({ field: "nodes", message: `pool ${pool.name} has only ${poolNodes} nodes` });
    }
  }
  if (!Number.isInteger(request.gpusPerNode) || request.gpusPerNode < 1) {
    errors.push({ field: "gpusPerNode", message: "gpusPerNode must be an integer of at least 1" });
  } else if (pool) {
    if (request.gpusPerNode > pool.gpusPerNode) {
      errors.push({
        field: "gpusPerNode",
        message: `nodes of pool ${pool.name} have ${pool.gpusPerNode} GPUs`,
      });
    } else if (request.nodes > 1 && request.gpusPerNode !== pool.gpusPerNode) {
      errors.push({
        field: "gpusPerNode",
        message: `with more than one node, gpusPerNode must be the pool's ${pool.gpusPerNode} (whole nodes)`,
      });
    }
  }
  const startOk = Number.isFinite(request.start);
  const endOk = Number.isFinite(request.end);
  const step = gridFloor(now, rules.gridMs);
  if (!startOk) errors.push({ field: "start", message: "start must be a time" });
  else {
    const inCurrentStep = request.start >= step && request.start < step + rules.gridMs;
    if (request.start < step) errors.push({ field: "start", message: "start is in the past" });
    else if (!inCurrentStep && !onGrid(request.start, rules.gridMs)) {
      errors.push({ field: "start", message: `start must lie on the ${minutes(rules.gridMs)} grid` });
    } else if (request.start - now > rules.horizonMs) {
      errors.push({
        field: "start",
        message: `start is beyond the ${rules.horizonMs / 86_400_000}-day horizon`,
      });
    }
  }
  if (!endOk) errors.push({ field: "end", message: "end must be a time" });
  else if (!onGrid(request.end, rules.gridMs)) {
    errors.push({ field: "end", message: `end must lie on the ${minutes(rules.gridMs)} grid` });
  } else if (startOk) {
    const length = request.end - gridFloor(request.start, rules.gridMs);
    if (request.end <= request.start) errors.push({ field: "end", message: "end must be after start" });
    else if (length < rules.minLengthMs) {
      errors.push({ field: "end", message: `a booking lasts at least ${minutes(rules.minLengthMs)}` });
    } else if (length > rules.maxLengthMs) {
      errors.push({
        field: "end",
        message: `a booking lasts at most ${rules.maxLengthMs / 86_400_000} days`,
      });
    }
  }
  return errors;
}
