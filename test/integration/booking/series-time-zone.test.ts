// "Every day at 20:00 in Berlin" through the REST API: the series keeps 20:00 on Berlin's clocks
// across the change to summer time (19:00Z, then 18:00Z), an unknown zone and a series whose
// occurrences would overlap are refused with 422 naming the field, and nothing is booked then.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, HOUR, startHarness } from "../../support/api-harness.ts";
import { bookingBody, iso } from "../../support/booking-body.ts";
import { BACKENDS } from "../../support/database.ts";

const DAY = 24 * HOUR;
// A week before Berlin's clocks go forward (28 March 2027).
const NOW = Date.parse("2027-03-20T12:00:00.000Z");
const FIRST = Date.parse("2027-03-26T19:00:00.000Z"); // 20:00 CET

describe.each(BACKENDS)("a daily series in Europe/Berlin on %s", (backend) => {
  let h: Harness;
  let vision: string;
  beforeAll(async () => {
    h = await startHarness(backend);
    vision = await h.team("vision");
    h.setNow(NOW);
  });
  afterAll(async () => h.close());

  const series = (repeat: Record<string, unknown>, length = HOUR) =>
    h.call("POST", "/api/v1/reservations", {
      token: vision,
      body: bookingBody({ start: iso(FIRST), end: iso(FIRST + length), repeat }),
    });
  const count = async () => (await h.call("GET", "/api/v1/reservations?limit=500")).body.items.length;

  it("keeps 20:00 local time and the hour's length across the change to summer time", async () => {
    const r = await series({ every: "day", until: iso(FIRST + 4 * DAY - HOUR), timeZone: "Europe/Berlin" });
    expect(r.status).toBe(201);
    const got = await Promise.all(
      r.body.occurrences.map(async (id: string) => (await h.call("GET", `/api/v1/reservations/${id}`)).body),
    );
    expect(got.map((o) => [o.start, o.end])).toEqual([
      ["2027-03-26T19:00:00.000Z", "2027-03-26T20:00:00.000Z"],
      ["2027-03-27T19:00:00.000Z", "2027-03-27T20:00:00.000Z"],
      ["2027-03-28T18:00:00.000Z", "2027-03-28T19:00:00.000Z"],
      ["2027-03-29T18:00:00.000Z", "2027-03-29T19:00:00.000Z"],
    ]);
    expect(new Set(got.map((o) => o.recurrence)).size).toBe(1);
  });

  it("refuses an unknown time zone with 422 on repeat.timeZone, booking nothing", async () => {
    const before = await count();
    const r = await series({ every: "day", until: iso(FIRST + 3 * DAY), timeZone: "Europe/Atlantis" });
    expect(r.status).toBe(422);
    expect(r.headers.get("content-type")).toContain("application/problem+json");
    expect(r.body.errors).toEqual([
      {
        field: "repeat.timeZone",
        message: 'unknown time zone "Europe/Atlantis" (an IANA name such as Europe/Berlin)',
      },
    ]);
    expect(await count()).toBe(before);
  });

  it("refuses a daily series whose 23.5-hour occurrences would overlap on the short day", async () => {
    const before = await count();
    const r = await series(
      { every: "day", until: iso(FIRST + 3 * DAY), timeZone: "Europe/Berlin" },
      23.5 * HOUR,
    );
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual([
      {
        field: "repeat",
        message: "occurrences would overlap: 2027-03-28T18:00:00.000Z starts before the one before it ends",
      },
    ]);
    expect(await count()).toBe(before);
  });
});
