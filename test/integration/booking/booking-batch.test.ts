// Bookings of one pool that arrive together share a transaction (services/booking-batch.ts). A
// burst mixing every kind of answer must get, request by request, the answer it would get alone:
// plain acceptances, a slot conflict with suggestions and holders, an invalid window, an unknown
// team, a displacement; and it must write exactly what the one-at-a-time path writes.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { insertReservation } from "../../../src/adapters/db/repos/reservations.ts";
import { type Harness, HOUR, startHarness, T0 } from "../../support/api-harness.ts";
import { checkConsistency } from "../../support/consistency.ts";
import { BACKENDS } from "../../support/database.ts";

const iso = (t: number) => new Date(t).toISOString();
const window = (fromHour: number, hours: number) => ({
  start: iso(T0 + fromHour * HOUR),
  end: iso(T0 + (fromHour + hours) * HOUR),
});

describe.each(BACKENDS)("a burst of bookings of one pool on %s", (backend) => {
  let h: Harness;
  let t1: string;
  let t2: string;
  beforeAll(async () => {
    // Two nodes of four GPUs.
    h = await startHarness(backend);
    t1 = await h.team("t1");
    t2 = await h.team("t2");
  });
  afterAll(async () => h.close());

  it("answers each request as it would alone, and writes what the one-at-a-time path writes", async () => {
    // Before the burst: t2 holds the whole pool from hour 20 (the conflict below), and t1 holds a
    // low-priority node from hour 30 (the displacement below).
    const full = await h.call("POST", "/api/v1/reservations", {
      token: t2,
      body: { pool: "V100", nodes: 2, gpusPerNode: 4, priority: "normal", ...window(20, 2) },
    });
    expect(full.status).toBe(201);
    const low = await h.call("POST", "/api/v1/reservations", {
      token: t1,
      body: { pool: "V100", nodes: 2, gpusPerNode: 4, priority: "low", ...window(30, 2) },
    });
    expect(low.status).toBe(201);
    const before = await sql<{ n: string }>`SELECT count(*) AS n FROM events`.execute(h.ctx.db);

    const post = (token: string | undefined, body: Record<string, unknown>) =>
      h.call("POST", "/api/v1/reservations", {
        ...(token ? { token } : {}),
        body: { pool: "V100", ...body },
      });
    const [a, b, c, d, conflict, offGrid, unknownTeam, displacing] = await Promise.all([
      post(t1, { nodes: 1, gpusPerNode: 1, priority: "normal", title: "a", ...window(10, 1) }),
      post(t1, { nodes: 1, gpusPerNode: 2, priority: "normal", title: "b", ...window(10, 1) }),
      post(t2, { nodes: 1, gpusPerNode: 1, priority: "normal", title: "c", ...window(11, 2) }),
      post(t2, { nodes: 1, gpusPerNode: 4, priority: "normal", title: "d", ...window(40, 3) }),
      post(t1, { nodes: 1, gpusPerNode: 1, priority: "normal", ...window(20, 1) }),
      post(t1, {
        nodes: 1,
        gpusPerNode: 1,
        priority: "normal",
        start: iso(T0 + 10 * HOUR + 60_000),
        end: iso(T0 + 11 * HOUR),
      }),
      post(undefined, { team: "nobody", nodes: 1, gpusPerNode: 1, priority: "normal", ...window(50, 1) }),
      post(t2, { nodes: 1, gpusPerNode: 4, priority: "high", ...window(30, 2) }),
    ]);

    for (const [r, title] of [
      [a, "a"],
      [b, "b"],
      [c, "c"],
      [d, "d"],
    ] as const) {
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ pool: "V100", state: "confirmed", title, displaced: [] });
      const stored = await h.call("GET", `/api/v1/reservations/${r.body.id}`);
      expect(stored.body).toEqual(
        Object.fromEntries(Object.entries(r.body).filter(([k]) => k !== "displaced")),
      );
    }
    expect(conflict.status).toBe(409);
    expect(conflict.body.type).toBe("https://berth.dev/problems/slot-taken");
    expect(conflict.body.suggestions.length).toBeGreaterThan(0);
    expect(conflict.body.holders).toEqual(expect.arrayContaining([expect.objectContaining({ team: "t2" })]));
    expect(offGrid.status).toBe(422);
    expect(unknownTeam.status).toBe(422);
    expect(unknownTeam.body.errors).toEqual([expect.objectContaining({ field: "team" })]);
    expect(displacing.status).toBe(201);
    expect(displacing.body.displaced).toEqual([low.body.id]);
    expect((await h.call("GET", `/api/v1/reservations/${low.body.id}`)).body.state).toBe("displaced");

    // Exactly one audit entry and one reservation.created event per accepted booking, with usage.
    const won = [a, b, c, d, displacing].map((r) => r.body.id as string);
    const audit = await h.ctx.db
      .selectFrom("audit_log")
      .select(["reservation_id", "action", "actor"])
      .where("reservation_id", "in", won)
      .where("action", "=", "book")
      .execute();
    expect(audit.map((x) => x.reservation_id).sort()).toEqual([...won].sort());
    const created = await sql<{ data: { reservation: string } }>`
      SELECT data FROM events WHERE type = 'reservation.created' AND id > ${before.rows[0]!.n}::bigint`.execute(
      h.ctx.db,
    );
    expect(created.rows.map((e) => e.data.reservation).sort()).toEqual([...won].sort());
    const usage = await h.ctx.db.selectFrom("usage").selectAll().where("reservation_id", "in", won).execute();
    expect(usage).toHaveLength(won.length);
    const d3 = usage.find((u) => u.reservation_id === d.body.id)!;
    expect(d3.gpu_seconds_booked).toBe(4 * 3 * 3600);

    const { problems } = await checkConsistency(h.ctx.db);
    expect(problems).toEqual([]);
  });

  it("releases every advisory lock a batch took (they are session-level)", async () => {
    const replies = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        h.call("POST", "/api/v1/reservations", {
          token: i % 2 ? t1 : t2,
          body: { pool: "V100", nodes: 1, gpusPerNode: 1, priority: "normal", ...window(60 + (i % 6), 1) },
        }),
      ),
    );
    expect(replies.filter((r) => r.status === 201).length).toBeGreaterThan(0);
    await vi.waitFor(
      async () => {
        const held = await sql<{ n: string }>`
          SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND granted`.execute(h.ctx.db);
        expect(Number(held.rows[0]!.n)).toBe(0);
      },
      { timeout: 5000, interval: 20 },
    );
    // And a booking from a fresh request is not kept waiting by a leftover lock.
    const after = await h.call("POST", "/api/v1/reservations", {
      token: t1,
      body: { pool: "V100", nodes: 1, gpusPerNode: 1, priority: "normal", ...window(70, 1) },
    });
    expect(after.status).toBe(201);
  });

  it("keeps the pool's holds exact after a displacement booked alone", async () => {
    const whole = (token: string, priority: string, fromHour: number) =>
      h.call("POST", "/api/v1/reservations", {
        token,
        body: { pool: "V100", nodes: 2, gpusPerNode: 4, priority, ...window(fromHour, 2) },
      });
    const low = await whole(t1, "low", 120);
    expect(low.status).toBe(201);
    const high = await whole(t2, "high", 120);
    expect(high.status).toBe(201);
    expect(high.body.displaced).toEqual([low.body.id]);
    // Decided from memory after the displacement: the high booking holds the pool, the low one nothing.
    const dry = await h.call("POST", "/api/v1/reservations?dryRun=true", {
      token: t1,
      body: { pool: "V100", nodes: 1, gpusPerNode: 1, priority: "normal", ...window(120, 1) },
    });
    expect(dry.status).toBe(409);
    expect(dry.body.holders.map((x: { reservation: string }) => x.reservation)).toEqual([high.body.id]);
    expect((await whole(t1, "normal", 122)).status).toBe(201);
    const { problems } = await checkConsistency(h.ctx.db);
    expect(problems).toEqual([]);
  });

  it("shows free windows, and decides bookings, with another replica's booking at once", async () => {
    const free = () =>
      h.call(
        "GET",
        `/api/v1/availability?pool=V100&nodes=2&gpusPerNode=4&duration=7200&after=${iso(T0 + 100 * HOUR)}`,
        { token: t1 },
      );
    expect((await free()).body.items[0].start).toBe(iso(T0 + 100 * HOUR));
    // Written straight through the repository, as another replica would: nothing in this process
    // hears of it; the pool's hold version (bumped by the database) does.
    await h.ctx.db.transaction().execute((trx) =>
      insertReservation(trx, {
        reservation: {
          id: "r-other-replica",
          team: "t2",
          pool: "V100",
          nodes: 2,
          gpusPerNode: 4,
          start: T0 + 100 * HOUR,
          end: T0 + 102 * HOUR,
          priority: "normal",
          bookedAt: T0,
          state: "confirmed",
          placement: [
            { node: "V100-0", gpus: [0, 1, 2, 3] },
            { node: "V100-1", gpus: [0, 1, 2, 3] },
          ],
        },
        title: "",
        kind: "booking",
        bookedBy: "elsewhere",
        recurrenceId: null,
      }),
    );
    expect((await free()).body.items[0].start).toBe(iso(T0 + 102 * HOUR));
    // A booking decided alone (a dry run) reads the same memory, and sees it too.
    const dry = await h.call("POST", "/api/v1/reservations?dryRun=true", {
      token: t1,
      body: { pool: "V100", nodes: 1, gpusPerNode: 1, priority: "normal", ...window(100, 1) },
    });
    expect(dry.status).toBe(409);
    expect(dry.body.holders).toEqual([expect.objectContaining({ reservation: "r-other-replica" })]);
  });
});

describe.each(BACKENDS)("a refusal decided in a batch on %s", (backend) => {
  let h: Harness;
  let t1: string;
  let t2: string;
  beforeAll(async () => {
    h = await startHarness(backend, {
      pools: [
        { name: "V100", nodes: 2, gpusPerNode: 4 },
        { name: "A100", nodes: 1, gpusPerNode: 4, cc: "8.0" },
        { name: "P100", nodes: 1, gpusPerNode: 4, cc: "7.0" },
      ],
    });
    t1 = await h.team("t1");
    t2 = await h.team("t2");
  });
  afterAll(async () => h.close());

  it("suggests what the one-at-a-time path suggests, other pools included, and names the holders", async () => {
    // t2 holds all of V100 for hours 20–22 and three of A100's four GPUs for hour 20: the refused
    // request below (two GPUs at hour 20) can move later in its pool or go to P100, not to A100.
    for (const [pool, nodes, gpusPerNode] of [
      ["V100", 2, 4],
      ["A100", 1, 3],
    ] as const) {
      const held = await h.call("POST", "/api/v1/reservations", {
        token: t2,
        body: { pool, nodes, gpusPerNode, priority: "normal", ...window(20, pool === "V100" ? 2 : 1) },
      });
      expect(held.status).toBe(201);
    }
    const request = { pool: "V100", nodes: 1, gpusPerNode: 2, priority: "normal", ...window(20, 1) };
    // A dry run is decided alone, on the one-at-a-time path.
    const alone = await h.call("POST", "/api/v1/reservations?dryRun=true", { token: t1, body: request });
    expect(alone.status).toBe(409);
    const pools = alone.body.suggestions.map((s: { pool: string }) => s.pool);
    expect(pools).toEqual(expect.arrayContaining(["V100", "P100"]));
    expect(pools).not.toContain("A100");
    // The same request in a burst of bookings far from its window and its suggestions.
    const [refused, ...others] = await Promise.all([
      h.call("POST", "/api/v1/reservations", { token: t1, body: request }),
      ...[60, 61, 62, 63].map((hour) =>
        h.call("POST", "/api/v1/reservations", {
          token: t1,
          body: { pool: "V100", nodes: 1, gpusPerNode: 1, priority: "normal", ...window(hour, 1) },
        }),
      ),
    ]);
    expect(others.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect(refused.status).toBe(409);
    expect(refused.body.type).toBe("https://berth.dev/problems/slot-taken");
    expect(refused.body.suggestions).toEqual(alone.body.suggestions);
    expect(refused.body.holders).toEqual(alone.body.holders);
  });
});
