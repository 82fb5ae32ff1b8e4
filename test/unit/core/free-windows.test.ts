import { describe, expect, it } from "vitest";
import { DEFAULT_BOOKING_RULES } from "../../../src/core/booking-rules.ts";
import { findFreeWindows } from "../../../src/core/free-windows.ts";
import type { Reservation } from "../../../src/core/types.ts";
import { CLUSTER, HOUR, MIN, NOW, reservation } from "./builders.ts";

const ALL8 = [0, 1, 2, 3, 4, 5, 6, 7];

function windows(
  reservations: Reservation[],
  over: { nodes?: number; gpusPerNode?: number; after?: number; limit?: number; durationMs?: number } = {},
) {
  return findFreeWindows({
    inventory: CLUSTER,
    reservations,
    pool: "v100",
    nodes: over.nodes ?? 1,
    gpusPerNode: over.gpusPerNode ?? 8,
    durationMs: over.durationMs ?? 2 * HOUR,
    after: over.after ?? NOW,
    limit: over.limit ?? 3,
    rules: DEFAULT_BOOKING_RULES,
    now: NOW + 5 * MIN,
  }).map((w) => ({ start: (w.start - NOW) / HOUR, end: (w.end - NOW) / HOUR, placement: w.placement }));
}

describe("the next free windows of a shape", () => {
  it("start now (the current grid step) on an empty pool", () => {
    expect(windows([], { limit: 1 })).toEqual([
      { start: 0, end: 2, placement: [{ node: "v100-0", gpus: ALL8 }] },
    ]);
  });

  it("start when the holds in the way end, earliest first", () => {
    const held = [
      reservation({ id: "a", start: NOW, end: NOW + 3 * HOUR, state: "active" }),
      reservation({
        id: "b",
        start: NOW,
        end: NOW + 5 * HOUR,
        placement: [{ node: "v100-1", gpus: ALL8 }],
        state: "active",
      }),
      reservation({ id: "c", start: NOW + 4 * HOUR, end: NOW + 6 * HOUR }),
    ];
    // v100-0 is free 3–4 only (1 h, too short) and again from 6; v100-1 from 5.
    expect(windows(held)).toEqual([
      { start: 5, end: 7, placement: [{ node: "v100-1", gpus: ALL8 }] },
      { start: 6, end: 8, placement: [{ node: "v100-0", gpus: ALL8 }] },
    ]);
  });

  it("need every node at once for a whole-node shape", () => {
    const held = [
      reservation({ id: "a", start: NOW, end: NOW + 3 * HOUR, state: "active" }),
      reservation({
        id: "b",
        start: NOW,
        end: NOW + 5 * HOUR,
        placement: [{ node: "v100-1", gpus: ALL8 }],
        state: "active",
      }),
    ];
    expect(windows(held, { nodes: 2, limit: 1 })).toEqual([
      {
        start: 5,
        end: 7,
        placement: [
          { node: "v100-0", gpus: ALL8 },
          { node: "v100-1", gpus: ALL8 },
        ],
      },
    ]);
  });

  it("round a hold's end up to the grid and respect a later `after`", () => {
    const held = [
      reservation({ id: "a", start: NOW, end: NOW + HOUR + 10 * MIN, gpusPerNode: 8, state: "active" }),
    ];
    expect(windows(held, { gpusPerNode: 8, after: NOW + 20 * MIN, limit: 2 })).toEqual([
      { start: 0.5, end: 2.5, placement: [{ node: "v100-1", gpus: ALL8 }] },
      { start: 1.25, end: 3.25, placement: [{ node: "v100-0", gpus: ALL8 }] },
    ]);
  });

  it("find nothing beyond the horizon", () => {
    expect(windows([], { after: NOW + 91 * 24 * HOUR })).toEqual([]);
  });
});
