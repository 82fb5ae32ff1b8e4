// What the booking path keeps in the process between requests, in one object built by the
// composition root (src/main.ts) and carried in the service context: nothing else in the booking
// path outlives a request. Each piece is a cache the database can always rebuild, so a restart,
// or a second replica with its own state, only costs reads.
import { InventoryCache } from "../inventory/inventory-cache.ts";
import type { BookingQueues } from "./booking-batch.ts";
import { PoolHoldsMemory } from "./pool-holds-memory.ts";
import { TeamRowsCache } from "./team-rows-cache.ts";

export interface BookingState {
  /** Bookings waiting for their pool's next batch (services/booking/booking-batch.ts). */
  readonly queues: BookingQueues;
  /** The pools' holds at their hold versions (services/booking/pool-holds-memory.ts). */
  readonly holds: PoolHoldsMemory;
  /** Team rows for choosing a batch's locks, a second old at most. */
  readonly teams: TeamRowsCache;
  /** Pools and nodes, a few seconds old at most. */
  readonly inventory: InventoryCache;
  /**
   * Fault injection for crash tests, unset in service: called right after a booking's write
   * committed and before it is answered (src/main.ts sets it to SIGKILL the process when
   * BERTH_FAULT_KILL_AFTER_BOOKING_COMMIT=1).
   */
  readonly afterCommit: (() => void) | undefined;
}

export function createBookingState(faults: { afterCommit?: () => void } = {}): BookingState {
  return {
    queues: new Map(),
    holds: new PoolHoldsMemory(),
    teams: new TeamRowsCache(),
    inventory: new InventoryCache(),
    afterCommit: faults.afterCommit,
  };
}
