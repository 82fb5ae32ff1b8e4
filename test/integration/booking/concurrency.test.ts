import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, HOUR, type Reply, startHarness, T0 } from "../../support/api-harness.ts";
import { checkConsistency } from "../../support/consistency.ts";
import { BACKENDS } from "../../support/database.ts";

const iso = (t: number) => new Date(t).toISOString();

describe.each(BACKENDS)("concurrent bookings on %s", (backend) => {
  let h: Harness;
  const tokens: string[] = [];
  beforeAll(async () => {
    // 8 GPUs in all: two nodes of four.
    h = await startHarness(backend);
    for (const t of ["t0", "t1", "t2", "t3"]) tokens.push(await h.team(t));
  });
  afterAll(async () => h.close());

  it("lets exactly 8 of 256 racing one-GPU bookings win; every loser gets 409 slot-taken with suggestions", async () => {
    const w = { start: iso(T0 + 10 * HOUR), end: iso(T0 + 12 * HOUR) };
    const replies = await Promise.all(
      Array.from({ length: 256 }, (_, i) =>
        h.call("POST", "/api/v1/reservations", {
          token: tokens[i % tokens.length]!,
          body: { pool: "V100", nodes: 1, gpusPerNode: 1, priority: "normal", title: `racer ${i}`, ...w },
        }),
      ),
    );
    const won = replies.filter((r) => r.status === 201);
    const lost = replies.filter((r) => r.status === 409);
    expect(won).toHaveLength(8);
    expect(lost).toHaveLength(248);
    for (const r of lost) {
      expect(r.body.type).toBe("https://berth.dev/problems/slot-taken");
      expect(r.body.suggestions.length).toBeGreaterThan(0);
      expect(r.body.holders.length).toBeGreaterThan(0);
    }
    const { held, problems } = await checkConsistency(h.ctx.db);
    expect(problems).toEqual([]);
    expect(held.map((r) => r.id).sort()).toEqual(won.map((r) => r.body.id).sort());
    expect(held.reduce((s, r) => s + r.gpus, 0)).toBe(8);
  });

  it("never lets racing bookings of one team overrun its weekly quota", async () => {
    // The team lock is taken only when the quota can refuse: here it can, so the racers queue on it.
    const quoted = await h.team("q0");
    const grant = await h.call("PUT", "/api/v1/teams/q0/quotas", { body: { normal: 4 } });
    expect(grant.status).toBe(200);
    const replies = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        h.call("POST", "/api/v1/reservations", {
          token: quoted,
          body: {
            pool: "V100",
            nodes: 1,
            gpusPerNode: 1,
            priority: "normal",
            start: iso(T0 + (40 + i) * HOUR),
            end: iso(T0 + (41 + i) * HOUR),
          },
        }),
      ),
    );
    expect(replies.filter((r) => r.status === 201)).toHaveLength(4);
    const refused = replies.filter((r) => r.status !== 201);
    expect(refused.map((r) => r.body.type)).toEqual(
      Array.from({ length: 12 }, () => "https://berth.dev/problems/quota-exceeded"),
    );
    const q = await h.call("GET", "/api/v1/teams/q0/quotas", { token: quoted });
    expect(q.body.classes.normal).toEqual({ limitGpuHours: 4, usedGpuHours: 4, leftGpuHours: 0 });
  });

  it("keeps a mixed burst of shapes and priorities, with displacements, free of double-booking", async () => {
    const w = { start: iso(T0 + 30 * HOUR), end: iso(T0 + 32 * HOUR) };
    const shapes = [1, 2, 4];
    const priorities = ["low", "normal", "high"];
    const replies: Reply[] = await Promise.all(
      Array.from({ length: 96 }, (_, i) =>
        h.call("POST", "/api/v1/reservations", {
          token: tokens[i % tokens.length]!,
          body: {
            pool: "V100",
            nodes: 1,
            gpusPerNode: shapes[i % 3]!,
            priority: priorities[Math.floor(i / 3) % 3]!,
            ...w,
          },
        }),
      ),
    );
    for (const r of replies) expect([201, 409]).toContain(r.status);
    const { held, problems } = await checkConsistency(h.ctx.db);
    expect(problems).toEqual([]);
    const inWindow = held.filter((r) => r.start === T0 + 30 * HOUR);
    expect(inWindow.reduce((s, r) => s + r.gpus, 0)).toBeLessThanOrEqual(8);
    // Every reservation a winner displaced is recorded as displaced by a booking that still holds.
    const displacedIds = replies.filter((r) => r.status === 201).flatMap((r) => r.body.displaced as string[]);
    for (const id of displacedIds) {
      const r = await h.call("GET", `/api/v1/reservations/${id}`);
      expect(r.body.state).toBe("displaced");
    }
    // Strictly lower priorities never keep GPUs a refused higher booking wanted: something high holds.
    const highWon = replies.filter((r) => r.status === 201 && r.body.priority === "high");
    expect(highWon.length).toBeGreaterThan(0);
  });
});
