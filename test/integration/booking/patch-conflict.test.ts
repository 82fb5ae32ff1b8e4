// Moving a booking's end into another team's hold is refused as a booking into it would be: 409
// slot-taken with the holders in the way and the longest end that fits as a suggestion, nothing changed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, HOUR, startHarness, T0 } from "../../support/api-harness.ts";
import { bookingBody, iso } from "../../support/booking-body.ts";
import { BACKENDS } from "../../support/database.ts";

describe.each(BACKENDS)("extending into another hold on %s", (backend) => {
  let h: Harness;
  let vision: string;
  let audio: string;
  beforeAll(async () => {
    h = await startHarness(backend);
    vision = await h.team("vision");
    audio = await h.team("audio");
  });
  afterAll(async () => h.close());

  it("answers 409 slot-taken with holders and suggestions, and keeps the end", async () => {
    const whole = { nodes: 2, gpusPerNode: 4 };
    const mine = await h.call("POST", "/api/v1/reservations", {
      token: vision,
      body: bookingBody({ ...whole, start: iso(T0 + 2 * HOUR), end: iso(T0 + 3 * HOUR) }),
    });
    const theirs = await h.call("POST", "/api/v1/reservations", {
      token: audio,
      body: bookingBody({ ...whole, priority: "high", start: iso(T0 + 4 * HOUR), end: iso(T0 + 5 * HOUR) }),
    });
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    const longer = await h.call("PATCH", `/api/v1/reservations/${mine.body.id}`, {
      token: vision,
      body: { end: iso(T0 + 6 * HOUR) },
    });
    expect(longer.status).toBe(409);
    expect(longer.body).toMatchObject({
      type: "https://berth.dev/problems/slot-taken",
      status: 409,
      holders: [{ reservation: theirs.body.id, team: "audio", priority: "high" }],
    });
    // The longest end that fits: up to the other team's start.
    expect(longer.body.suggestions).toEqual([
      {
        pool: "V100",
        nodes: 2,
        gpusPerNode: 4,
        start: iso(T0 + 2 * HOUR),
        end: iso(T0 + 4 * HOUR),
        kind: "smaller",
      },
    ]);
    expect((await h.call("GET", `/api/v1/reservations/${mine.body.id}`)).body.end).toBe(iso(T0 + 3 * HOUR));
  });
});
