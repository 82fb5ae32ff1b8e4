// laterIndexOf (src/services/booking/later-index.ts): the pool's index for the later-window
// suggestion is handed out only when what the booking is decided on holds in the pool, after the
// request's start, exactly the memory's own holds; once built, the same version reuses it.
import { describe, expect, it } from "vitest";
import { compareId } from "../../../src/core/index.ts";
import type { Reservation } from "../../../src/core/types.ts";
import { HoldIndex } from "../../../src/services/booking/hold-index.ts";
import { laterIndexOf } from "../../../src/services/booking/later-index.ts";
import { CLUSTER, HOUR, NOW, reservation } from "../core/builders.ts";

const holds = [0, 1, 2, 3].map((i) =>
  reservation({ id: `r${i}`, start: NOW + i * 4 * HOUR, end: NOW + (i + 1) * 4 * HOUR }),
);
const start = NOW + 4 * HOUR;
const endingAfterStart = (rs: readonly Reservation[]) =>
  rs.filter((r) => r.end > start).sort((a, b) => compareId(a.id, b.id));

describe("the later-window index of a pool", () => {
  it("is built once per version of the pool's holds and reused", () => {
    const memory = new HoldIndex(holds);
    const first = laterIndexOf(memory, CLUSTER, { pool: "v100", start }, endingAfterStart(holds));
    expect(first?.poolNodes.get("v100")?.[0]?.holds.map((h) => h.reservation.id)).toEqual([
      "r0",
      "r1",
      "r2",
      "r3",
    ]);
    expect(laterIndexOf(memory, CLUSTER, { pool: "v100", start }, endingAfterStart(holds))).toBe(first);
    const next = memory.withChanges({ removed: [holds[3]!] });
    expect(
      laterIndexOf(next, CLUSTER, { pool: "v100", start }, endingAfterStart(holds.slice(0, 3))),
    ).not.toBe(first);
  });

  it("is not handed out when the decision's list differs from memory after the start", () => {
    const memory = new HoldIndex(holds);
    // A team's quota row read apart from memory stands in for one of its holds.
    const reread = endingAfterStart(holds).map((r) => (r.id === "r2" ? { ...r } : r));
    expect(laterIndexOf(memory, CLUSTER, { pool: "v100", start }, reread)).toBeUndefined();
    // A hold memory lacks, or one it has missing from the list.
    const extra = reservation({ id: "r9", start: NOW + 20 * HOUR, end: NOW + 24 * HOUR });
    expect(
      laterIndexOf(memory, CLUSTER, { pool: "v100", start }, [...endingAfterStart(holds), extra]),
    ).toBeUndefined();
    expect(
      laterIndexOf(memory, CLUSTER, { pool: "v100", start }, endingAfterStart(holds).slice(1)),
    ).toBeUndefined();
    // Other pools' reservations and holds that end by the start do not matter.
    const elsewhere = reservation({ id: "a1", pool: "a100", placement: [{ node: "a100-0", gpus: [0] }] });
    expect(laterIndexOf(memory, CLUSTER, { pool: "v100", start }, [elsewhere, ...holds])).toBeDefined();
  });
});
