import { describe, expect, it } from "vitest";
import { poolUsage } from "../../../src/core/pool-usage.ts";
import type { JobView, Snapshot } from "../../../src/core/snapshot.ts";
import type { Reservation } from "../../../src/core/types.ts";

const NOW = Date.parse("2026-12-01T12:00:00Z");
const H = 3_600_000;

const reservation = (id: string, gpus: number[], start = NOW - H): Reservation =>
  ({
    id,
    team: "vision",
    pool: "V100",
    nodes: 1,
    gpusPerNode: gpus.length,
    start,
    end: start + 4 * H,
    priority: "normal",
    state: start <= NOW ? "active" : "confirmed",
    placement: [{ node: "V100-0", gpus }],
    bookedAt: NOW - 10 * H,
  }) as unknown as Reservation;

const job = (id: string, over: Partial<JobView>): JobView => ({
  id,
  team: "vision",
  pool: "V100",
  gpus: 1,
  priority: "normal",
  reservation: null,
  submittedAt: NOW - H,
  graceMs: 30_000,
  attempts: 1,
  state: "running",
  ...over,
});

describe("pool usage from a snapshot", () => {
  it("counts booked, running, lent and idle reserved GPUs, and the queue per priority", () => {
    const snapshot: Snapshot = {
      inventory: {
        pools: [{ name: "V100", product: "Tesla-V100", computeCapability: "7.0", gpusPerNode: 8 }],
        nodes: [{ name: "V100-0", pool: "V100", gpus: 8, up: true }],
      } as unknown as Snapshot["inventory"],
      reservations: [reservation("r1", [0, 1, 2, 3]), reservation("later", [4, 5], NOW + H)],
      jobs: [
        job("own", { placement: [{ node: "V100-0", gpus: [0] }], runsOn: "r1", reservation: "r1" }),
        job("borrower", { placement: [{ node: "V100-0", gpus: [1, 2] }], runsOn: null, gpus: 2 }),
        job("free", { placement: [{ node: "V100-0", gpus: [6] }], runsOn: null }),
        job("waiting", { state: "queued", priority: "high" }),
      ],
    };
    expect(poolUsage(snapshot, NOW)).toEqual({
      pools: { V100: { booked: 4, running: 4, lent: 2, idleReserved: 1 } },
      queued: { critical: 0, high: 1, normal: 0, low: 0, "best-effort": 0 },
    });
  });
});
