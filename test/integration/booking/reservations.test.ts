import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, HOUR, startHarness, T0 } from "../../support/api-harness.ts";
import { BACKENDS } from "../../support/database.ts";

const iso = (t: number) => new Date(t).toISOString();
const booking = (over: Record<string, unknown> = {}) => ({
  pool: "V100",
  nodes: 1,
  gpusPerNode: 2,
  start: iso(T0 + 4 * HOUR),
  end: iso(T0 + 6 * HOUR),
  priority: "normal",
  title: "yolo run",
  ...over,
});

describe.each(BACKENDS)("reservations API on %s", (backend) => {
  let h: Harness;
  let vision: string;
  let audio: string;
  beforeAll(async () => {
    h = await startHarness(backend);
    vision = await h.team("vision");
    audio = await h.team("audio");
  });
  afterAll(async () => h.close());

  it("lists the configured pools as the contract shapes them", async () => {
    const r = await h.call("GET", "/api/v1/pools", { token: vision });
    expect(r.status).toBe(200);
    expect(r.body.items).toEqual([
      expect.objectContaining({
        name: "V100",
        product: "Tesla-V100",
        computeCapability: "7.0",
        nodes: 2,
        gpusPerNode: 4,
      }),
    ]);
  });

  it("books, then shows the booking by id and in the list, with a placement on one node", async () => {
    const r = await h.call("POST", "/api/v1/reservations", { token: vision, body: booking() });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      team: "vision",
      pool: "V100",
      nodes: 1,
      gpusPerNode: 2,
      start: iso(T0 + 4 * HOUR),
      end: iso(T0 + 6 * HOUR),
      priority: "normal",
      state: "confirmed",
      displaced: [],
    });
    expect(r.body.placement).toHaveLength(1);
    expect(r.body.placement[0].gpus).toHaveLength(2);
    const got = await h.call("GET", `/api/v1/reservations/${r.body.id}`, { token: audio });
    expect(got.status).toBe(200);
    expect(got.body.id).toBe(r.body.id);
    const list = await h.call("GET", "/api/v1/reservations?team=vision", { token: audio });
    expect(list.body.items.map((x: { id: string }) => x.id)).toContain(r.body.id);
  });

  it("answers a dry run with placement and quota left, and holds nothing", async () => {
    const before = await h.call("GET", "/api/v1/reservations?limit=500");
    const r = await h.call("POST", "/api/v1/reservations?dryRun=true", {
      token: vision,
      body: booking({ start: iso(T0 + 8 * HOUR), end: iso(T0 + 9 * HOUR) }),
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ displaces: [] });
    expect(r.body.placement[0].gpus).toHaveLength(2);
    expect(r.body.quotaLeft).toBeTypeOf("object");
    const after = await h.call("GET", "/api/v1/reservations?limit=500");
    expect(after.body.items).toHaveLength(before.body.items.length);
  });

  it.each([
    ["malformed JSON", { raw: "{not json" }, 400, "body"],
    ["a wrong type", { body: booking({ nodes: "two" }) }, 400, "nodes"],
    ["an unknown field", { body: booking({ colour: "red" }) }, 400, "colour"],
    ["end before start", { body: booking({ end: iso(T0 + 3 * HOUR) }) }, 422, "end"],
    [
      "a start off the 15-minute grid",
      { body: booking({ start: iso(T0 + 4 * HOUR + 60_000) }) },
      422,
      "start",
    ],
    [
      "a window in the past",
      { body: booking({ start: iso(T0 - 4 * HOUR), end: iso(T0 - 2 * HOUR) }) },
      422,
      "start",
    ],
    [
      "a start beyond the 90-day horizon",
      { body: booking({ start: iso(T0 + 91 * 24 * HOUR), end: iso(T0 + 92 * 24 * HOUR) }) },
      422,
      "start",
    ],
    ["an unknown pool", { body: booking({ pool: "H100" }) }, 422, "pool"],
    ["more GPUs per node than the pool has", { body: booking({ gpusPerNode: 64 }) }, 422, "gpusPerNode"],
  ])(
    "refuses %s with problem+json naming the field, and changes nothing",
    async (_name, req, status, field) => {
      const before = await h.call("GET", "/api/v1/reservations?limit=500");
      const r = await h.call("POST", "/api/v1/reservations", { token: vision, ...req });
      expect(r.status).toBe(status);
      expect(r.headers.get("content-type")).toMatch(/application\/problem\+json/);
      expect(r.body).toMatchObject({ status, type: expect.stringContaining("https://berth.dev/problems/") });
      expect(r.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      const after = await h.call("GET", "/api/v1/reservations?limit=500");
      expect(after.body.items).toEqual(before.body.items);
    },
  );

  it("refuses a full window with 409 slot-taken, suggestions and holders", async () => {
    const w = { start: iso(T0 + 20 * HOUR), end: iso(T0 + 22 * HOUR) };
    const full = await h.call("POST", "/api/v1/reservations", {
      token: vision,
      body: booking({ nodes: 2, gpusPerNode: 4, ...w }),
    });
    expect(full.status).toBe(201);
    const r = await h.call("POST", "/api/v1/reservations", { token: audio, body: booking({ ...w }) });
    expect(r.status).toBe(409);
    expect(r.body.type).toBe("https://berth.dev/problems/slot-taken");
    expect(r.body.holders).toEqual([{ reservation: full.body.id, team: "vision", priority: "normal" }]);
    expect(r.body.suggestions[0]).toMatchObject({
      pool: "V100",
      nodes: 1,
      gpusPerNode: 2,
      start: iso(T0 + 22 * HOUR),
    });
  });

  it("lets a higher priority displace a future lower one, telling the loser why", async () => {
    const w = { start: iso(T0 + 30 * HOUR), end: iso(T0 + 32 * HOUR) };
    const low = await h.call("POST", "/api/v1/reservations", {
      token: vision,
      body: booking({ nodes: 2, gpusPerNode: 4, priority: "low", ...w }),
    });
    expect(low.status).toBe(201);
    const high = await h.call("POST", "/api/v1/reservations", {
      token: audio,
      body: booking({ priority: "high", ...w }),
    });
    expect(high.status).toBe(201);
    expect(high.body.displaced).toEqual([low.body.id]);
    const lost = await h.call("GET", `/api/v1/reservations/${low.body.id}`, { token: vision });
    expect(lost.body).toMatchObject({ state: "displaced", displacedBy: high.body.id });
  });

  it("refuses critical bookings until an admin grants the quota, then counts them", async () => {
    const w = { start: iso(T0 + 40 * HOUR), end: iso(T0 + 41 * HOUR) };
    const refused = await h.call("POST", "/api/v1/reservations", {
      token: vision,
      body: booking({ priority: "critical", ...w }),
    });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      type: "https://berth.dev/problems/quota-exceeded",
      limitGpuHours: 0,
    });
    const grant = await h.call("PUT", "/api/v1/teams/vision/quotas", { body: { critical: 4 } });
    expect(grant.status).toBe(200);
    const ok = await h.call("POST", "/api/v1/reservations", {
      token: vision,
      body: booking({ priority: "critical", ...w }),
    });
    expect(ok.status).toBe(201);
    const q = await h.call("GET", "/api/v1/teams/vision/quotas", { token: vision });
    expect(q.body.classes.critical).toEqual({ limitGpuHours: 4, usedGpuHours: 2, leftGpuHours: 2 });
  });

  it("forbids a member to cancel another team's booking, and cancels its own idempotently", async () => {
    const mine = await h.call("POST", "/api/v1/reservations", {
      token: vision,
      body: booking({ start: iso(T0 + 50 * HOUR), end: iso(T0 + 51 * HOUR) }),
    });
    const other = await h.call("DELETE", `/api/v1/reservations/${mine.body.id}`, { token: audio });
    expect(other.status).toBe(403);
    const first = await h.call("DELETE", `/api/v1/reservations/${mine.body.id}`, { token: vision });
    expect(first.status).toBe(200);
    expect(first.body.state).toBe("cancelled");
    const again = await h.call("DELETE", `/api/v1/reservations/${mine.body.id}`, { token: vision });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
  });

  it("refuses to cancel a displaced reservation with 409 invalid-state", async () => {
    const list = await h.call("GET", "/api/v1/reservations?state=displaced");
    const r = await h.call("DELETE", `/api/v1/reservations/${list.body.items[0].id}`);
    expect(r.status).toBe(409);
    expect(r.body.type).toBe("https://berth.dev/problems/invalid-state");
  });

  it("derives active from the clock, and extends and shortens keeping the placement", async () => {
    const r = await h.call("POST", "/api/v1/reservations", {
      token: vision,
      body: booking({ start: iso(T0 + 60 * HOUR), end: iso(T0 + 61 * HOUR) }),
    });
    h.setNow(T0 + 60 * HOUR + 5 * 60_000);
    try {
      expect((await h.call("GET", `/api/v1/reservations/${r.body.id}`)).body.state).toBe("active");
      const longer = await h.call("PATCH", `/api/v1/reservations/${r.body.id}`, {
        token: vision,
        body: { end: iso(T0 + 63 * HOUR) },
      });
      expect(longer.status).toBe(200);
      expect(longer.body).toMatchObject({ end: iso(T0 + 63 * HOUR), placement: r.body.placement });
      const shorter = await h.call("PATCH", `/api/v1/reservations/${r.body.id}`, {
        token: vision,
        body: { end: iso(T0 + 62 * HOUR) },
      });
      expect(shorter.body.end).toBe(iso(T0 + 62 * HOUR));
    } finally {
      h.setNow(T0);
    }
  });

  it("refuses to extend a booking past its team's weekly quota, and extends it within the quota", async () => {
    const token = await h.team("extenders");
    // 6 normal GPU-hours a week; 2 GPUs for 2 hours use 4 of them (all in one ISO week).
    expect((await h.call("PUT", "/api/v1/teams/extenders/quotas", { body: { normal: 6 } })).status).toBe(200);
    const r = await h.call("POST", "/api/v1/reservations", {
      token,
      body: booking({ start: iso(T0 + 80 * HOUR), end: iso(T0 + 82 * HOUR) }),
    });
    expect(r.status).toBe(201);
    const tooLong = await h.call("PATCH", `/api/v1/reservations/${r.body.id}`, {
      token,
      body: { end: iso(T0 + 84 * HOUR) },
    });
    expect(tooLong.status).toBe(409);
    expect(tooLong.body).toMatchObject({
      type: "https://berth.dev/problems/quota-exceeded",
      limitGpuHours: 6,
      usedGpuHours: 4,
      requestedGpuHours: 4,
    });
    expect((await h.call("GET", `/api/v1/reservations/${r.body.id}`)).body.end).toBe(iso(T0 + 82 * HOUR));
    const fits = await h.call("PATCH", `/api/v1/reservations/${r.body.id}`, {
      token,
      body: { end: iso(T0 + 83 * HOUR) },
    });
    expect(fits.status).toBe(200);
    expect(fits.body.end).toBe(iso(T0 + 83 * HOUR));
  });

  it("caps the GPUs a team holds at once, in bursts, dry runs and recurring bookings alike", async () => {
    const token = await h.team("capped");
    expect((await h.call("PUT", "/api/v1/teams/capped/quotas", { body: { maxGpus: 4 } })).status).toBe(200);
    const at = (hours: number, over: Record<string, unknown> = {}) =>
      booking({ start: iso(T0 + hours * HOUR), end: iso(T0 + (hours + 2) * HOUR), ...over });
    const [a, b] = await Promise.all([
      h.call("POST", "/api/v1/reservations", { token, body: at(90) }),
      h.call("POST", "/api/v1/reservations", { token, body: at(91) }),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    const capped = {
      type: "https://berth.dev/problems/quota-exceeded",
      limitGpus: 4,
      usedGpus: 4,
      requestedGpus: 1,
    };
    // Hour 91–92 already holds 4 GPUs of the team.
    const third = await h.call("POST", "/api/v1/reservations", { token, body: at(91, { gpusPerNode: 1 }) });
    expect(third.status).toBe(409);
    expect(third.body).toMatchObject(capped);
    const dry = await h.call("POST", "/api/v1/reservations?dryRun=true", {
      token,
      body: at(91, { gpusPerNode: 1 }),
    });
    expect(dry.status).toBe(409);
    expect(dry.body).toMatchObject(capped);
    // Daily from hour 67: the second occurrence (hour 91) overflows.
    const daily = await h.call("POST", "/api/v1/reservations", {
      token,
      body: at(67, { gpusPerNode: 1, repeat: { every: "day", until: iso(T0 + 100 * HOUR) } }),
    });
    expect(daily.status).toBe(409);
    expect(daily.body).toMatchObject(capped);
    // Outside those hours the cap leaves room.
    expect((await h.call("POST", "/api/v1/reservations", { token, body: at(94) })).status).toBe(201);
  });

  it("pages through the list with a cursor, each item once", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const r = await h.call("GET", `/api/v1/reservations?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(r.status).toBe(200);
      seen.push(...r.body.items.map((x: { id: string }) => x.id));
      cursor = r.body.nextCursor;
    } while (cursor);
    const all = await h.call("GET", "/api/v1/reservations?limit=500");
    expect(seen).toEqual(all.body.items.map((x: { id: string }) => x.id));
  });

  it("answers 401 without a token and with a wrong one", async () => {
    expect((await h.call("GET", "/api/v1/pools", { token: null })).status).toBe(401);
    expect((await h.call("GET", "/api/v1/pools", { token: "nope" })).status).toBe(401);
  });

  it("replays a POST with the same Idempotency-Key instead of booking twice", async () => {
    const body = booking({ start: iso(T0 + 70 * HOUR), end: iso(T0 + 71 * HOUR) });
    const headers = { "idempotency-key": "k-1" };
    const a = await h.call("POST", "/api/v1/reservations", { token: vision, body, headers });
    const b = await h.call("POST", "/api/v1/reservations", { token: vision, body, headers });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.id).toBe(a.body.id);
    const other = await h.call("POST", "/api/v1/reservations", {
      token: vision,
      body: { ...body, title: "x" },
      headers,
    });
    expect(other.status).toBe(422);
  });

  it("offers free windows for a shape", async () => {
    const r = await h.call(
      "GET",
      `/api/v1/availability?pool=V100&nodes=2&gpusPerNode=4&duration=7200&after=${iso(T0 + 20 * HOUR)}`,
      { token: vision },
    );
    expect(r.status).toBe(200);
    expect(r.body.items[0].start).toBe(iso(T0 + 22 * HOUR));
  });

  it("reports a pool's booked share per bucket, and reads models and A/B checks", async () => {
    // The 2 × 4 GPU booking at T0+20h..T0+22h fills the whole 8-GPU pool for those two hours.
    const u = await h.call(
      "GET",
      `/api/v1/pools/V100/utilisation?from=${iso(T0 + 20 * HOUR)}&to=${iso(T0 + 23 * HOUR)}&step=3600`,
      { token: vision },
    );
    expect(u.status).toBe(200);
    expect(u.body.gpus).toBe(8);
    expect(u.body.buckets.map((b: { bookedFraction: number }) => b.bookedFraction)).toEqual([
      1,
      1,
      expect.any(Number),
    ]);
    expect((await h.call("GET", "/api/v1/models", { token: vision })).body).toEqual({ items: [] });
    expect((await h.call("GET", "/api/v1/abchecks", { token: vision })).body).toEqual({ items: [] });
    expect((await h.call("GET", "/api/v1/models/m-nope", { token: vision })).status).toBe(404);
  });

  it("books a daily series as one reservation per occurrence, or none of them when one cannot be held", async () => {
    const day = 24 * HOUR;
    const first = T0 + 4 * day + 8 * HOUR;
    const series = await h.call("POST", "/api/v1/reservations", {
      token: vision,
      body: booking({
        start: iso(first),
        end: iso(first + HOUR),
        repeat: { every: "day", until: iso(first + 3 * day) },
      }),
    });
    expect(series.status).toBe(201);
    expect(series.body.occurrences).toHaveLength(3);
    const got = await Promise.all(
      series.body.occurrences.map((id: string) => h.call("GET", `/api/v1/reservations/${id}`)),
    );
    expect(got.map((g) => g.body.start)).toEqual([iso(first), iso(first + day), iso(first + 2 * day)]);
    expect(new Set(got.map((g) => g.body.recurrence)).size).toBe(1);

    // Fill the third day of another series, then ask for it: nothing of the series is booked.
    const second = T0 + 10 * day + 8 * HOUR;
    await h.call("POST", "/api/v1/reservations", {
      body: booking({
        team: "audio",
        nodes: 2,
        gpusPerNode: 4,
        start: iso(second + 2 * day),
        end: iso(second + 2 * day + HOUR),
      }),
    });
    const before = (await h.call("GET", "/api/v1/reservations?limit=500")).body.items.length;
    const refused = await h.call("POST", "/api/v1/reservations", {
      token: vision,
      body: booking({
        start: iso(second),
        end: iso(second + HOUR),
        repeat: { every: "day", until: iso(second + 3 * day) },
      }),
    });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/occurrence 3/);
    expect((await h.call("GET", "/api/v1/reservations?limit=500")).body.items).toHaveLength(before);
  });

  it("keeps counting a finished booking's GPU-hours against the week's quota", async () => {
    // vision holds 4 critical GPU-hours a week and used 2 of them at T0+40h..41h (same ISO week).
    h.setNow(T0 + 42 * HOUR);
    try {
      const r = await h.call("POST", "/api/v1/reservations", {
        token: vision,
        body: booking({ priority: "critical", start: iso(T0 + 60 * HOUR), end: iso(T0 + 62 * HOUR) }),
      });
      expect(r.status).toBe(409);
      expect(r.body).toMatchObject({
        type: "https://berth.dev/problems/quota-exceeded",
        usedGpuHours: 2,
        limitGpuHours: 4,
      });
      const q = await h.call("GET", "/api/v1/teams/vision/quotas", { token: vision });
      expect(q.body.classes.critical).toEqual({ limitGpuHours: 4, usedGpuHours: 2, leftGpuHours: 2 });
    } finally {
      h.setNow(T0);
    }
  });
});
