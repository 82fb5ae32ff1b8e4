// A refused booking's later-window suggestion on a caller's prebuilt index of the pool
// (BookingInput.laterIndex: the booking path builds it once per version of a pool's holds, not
// per request) decides exactly as on the index the decision builds itself: the same placement or
// refusal, the same suggestions and holders, whatever the holds, and however many holds that end
// before the request's start the prebuilt index carries besides (ended ones included).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decideBooking } from "../../../src/core/booking.ts";
import { DEFAULT_BOOKING_RULES } from "../../../src/core/booking-rules.ts";
import { CapacityIndex, holdsSlots } from "../../../src/core/capacity.ts";
import type { Reservation } from "../../../src/core/types.ts";
import { CLUSTER, NOW, request, reservation } from "./builders.ts";

const Q = 15 * 60_000;
const RUNS = Number(process.env.BERTH_PROPERTY_RUNS ?? 300);

/** Holds on v100 (2 nodes × 8) and a100 (1 × 8): random ordinals, grid times around the request. */
const holdArb = (fromQ: number, toQ: number) =>
  fc.record({
    pool: fc.constantFrom("v100", "v100", "v100", "a100"),
    node: fc.integer({ min: 0, max: 1 }),
    gpus: fc.subarray([0, 1, 2, 3, 4, 5, 6, 7], { minLength: 1 }),
    startQ: fc.integer({ min: fromQ, max: toQ }),
    lengthQ: fc.integer({ min: 1, max: 24 }),
    priority: fc.constantFrom("normal", "high", "best-effort"),
    state: fc.constantFrom("confirmed", "confirmed", "active", "completed"),
  });

interface HoldSpec {
  readonly pool: string;
  readonly node: number;
  readonly gpus: number[];
  readonly startQ: number;
  readonly lengthQ: number;
  readonly priority: string;
  readonly state: string;
}

function toReservation(h: HoldSpec, id: string): Reservation {
  const node = h.pool === "v100" ? `v100-${h.node}` : "a100-0";
  return reservation({
    id,
    pool: h.pool,
    start: NOW + h.startQ * Q,
    end: NOW + (h.startQ + h.lengthQ) * Q,
    priority: h.priority as Reservation["priority"],
    state: h.state as Reservation["state"],
    placement: [{ node, gpus: h.gpus }],
  });
}

describe("a refused booking's later windows on a prebuilt index of its pool", () => {
  it("are what the decision finds on its own index", () => {
    let laterFound = 0;
    fc.assert(
      fc.property(
        fc.array(holdArb(-8, 40), { maxLength: 40 }),
        // Holds only the prebuilt index has, ending at or before the request's start, off the grid
        // too (a hold released early), for requests starting off the grid in the current step.
        fc.array(
          fc.record({
            hold: holdArb(0, 0),
            endBeforeMinutes: fc.integer({ min: 0, max: 90 }),
          }),
          { maxLength: 10 },
        ),
        fc.record({
          startQ: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 24 })),
          // Minutes past the grid, for a start in the current step (the only one allowed off it).
          startMinutes: fc.integer({ min: 0, max: 14 }),
          lengthQ: fc.integer({ min: 1, max: 16 }),
          nodes: fc.integer({ min: 1, max: 2 }),
          gpus: fc.integer({ min: 1, max: 8 }),
          priority: fc.constantFrom("normal", "high", "best-effort"),
          nowMinutes: fc.integer({ min: 0, max: 14 }),
        }),
        (holds, extras, ask) => {
          const reservations = holds.map((h, i) => toReservation(h, `r${String(i).padStart(2, "0")}`));
          const start = NOW + ask.startQ * Q + (ask.startQ === 0 ? ask.startMinutes * 60_000 : 0);
          const req = request({
            nodes: ask.nodes,
            gpusPerNode: ask.nodes > 1 ? 8 : ask.gpus,
            start,
            end: NOW + (ask.startQ + ask.lengthQ) * Q,
            priority: ask.priority as Reservation["priority"],
          });
          const before = extras.map(({ hold, endBeforeMinutes }, i) => {
            const end = start - endBeforeMinutes * 60_000;
            return {
              ...toReservation(hold, `x${String(i).padStart(2, "0")}`),
              start: end - hold.lengthQ * Q,
              end,
              state: "confirmed" as const,
            };
          });
          const inPool = reservations.filter((r) => r.pool === "v100" && holdsSlots(r) && r.end > start);
          const laterIndex = new CapacityIndex(CLUSTER, [...before, ...inPool], "v100");
          const input = {
            inventory: CLUSTER,
            reservations,
            request: req,
            now: NOW + ask.nowMinutes * 60_000,
            rules: DEFAULT_BOOKING_RULES,
            quota: null,
          };
          const own = decideBooking(input);
          if (!own.ok && own.code === "slot-taken" && own.suggestions.some((x) => x.kind === "later"))
            laterFound++;
          expect(decideBooking({ ...input, laterIndex: () => laterIndex })).toEqual(own);
        },
      ),
      { numRuns: RUNS },
    );
    // The runs must reach the search this is about, not only acceptances.
    expect(laterFound).toBeGreaterThan(RUNS / 20);
  });
});
