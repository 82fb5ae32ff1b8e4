// A dry run into a pool booked full, as bench/api's "alone" phase makes it: 50 nodes
// × 8 GPUs booked whole in 4-hour windows for 40 days (12,000 normal reservations), then normal
// 1 × 8 requests inside that span. Each is refused (slot taken) and the booking decision searches
// the earliest later window, a smaller shape and other pools for its suggestions.
import type { BookingRequest } from "../../src/core/booking.ts";
import type { Inventory, Reservation } from "../../src/core/types.ts";

const HOUR = 3_600_000;
export const FULL_NOW = Date.parse("2026-12-07T00:00:00.000Z");
const NODES = 50;
const WINDOWS = 40 * 6;

export function fullPool(): {
  inventory: Inventory;
  reservations: Reservation[];
  requests: BookingRequest[];
} {
  const inventory: Inventory = {
    pools: [
      { name: "ALONE", product: "bench", computeCapability: "8.0", gpusPerNode: 8 },
      { name: "OTHER", product: "bench", computeCapability: "7.0", gpusPerNode: 8 },
    ],
    nodes: [
      ...Array.from({ length: NODES }, (_, i) => ({ name: `alone-${i}`, pool: "ALONE", gpus: 8, up: true })),
      ...Array.from({ length: 10 }, (_, i) => ({ name: `other-${i}`, pool: "OTHER", gpus: 8, up: true })),
    ],
  };
  const base = FULL_NOW + 24 * HOUR;
  const reservations: Reservation[] = [];
  for (let w = 0; w < WINDOWS; w++) {
    for (let n = 0; n < NODES; n++) {
      const start = base + w * 4 * HOUR;
      reservations.push({
        id: `r-${String(w * NODES + n).padStart(5, "0")}`,
        team: "t1",
        pool: "ALONE",
        nodes: 1,
        gpusPerNode: 8,
        start,
        end: start + 4 * HOUR,
        priority: "normal",
        bookedAt: FULL_NOW,
        state: "confirmed",
        placement: [{ node: `alone-${n}`, gpus: [0, 1, 2, 3, 4, 5, 6, 7] }],
      });
    }
  }
  const requests = Array.from({ length: 30 }, (_, i) => {
    const start = base + 2 * i * 4 * HOUR;
    return {
      id: `dry-${i}`,
      team: "t0",
      pool: "ALONE",
      nodes: 1,
      gpusPerNode: 8,
      start,
      end: start + 4 * HOUR,
      priority: "normal" as const,
    };
  });
  return { inventory, reservations, requests };
}
