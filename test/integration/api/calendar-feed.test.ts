// A team's read-only calendar token: created by an admin or a member of the team, it reads that
// team's reservations as an iCalendar feed and is refused everywhere else; revoked, it reads nothing.
import { describe, expect, it } from "vitest";
import { HOUR, T0, useHarness } from "../../support/api-harness.ts";
import { BACKENDS } from "../../support/database.ts";
import { icalUtc, parseICalendar, unescapeText } from "../../support/icalendar-check.ts";

const iso = (t: number) => new Date(t).toISOString();

describe.each(BACKENDS)("calendar feeds on %s", (backend) => {
  const env = useHarness(backend, ["vision", "audio"]);

  it("serves the team's reservations as RFC 5545 text to the token in the URL, and nothing else to it", async () => {
    const { h, tokens } = env;
    const book = async (token: string, start: number, title: string) => {
      const r = await h.call("POST", "/api/v1/reservations", {
        token,
        body: {
          pool: "V100",
          nodes: 1,
          gpusPerNode: 2,
          priority: "normal",
          start: iso(start),
          end: iso(start + 2 * HOUR),
          title,
        },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body.id as string;
    };
    const kept = await book(tokens.vision, T0 + 4 * HOUR, "YOLOv8-large, night run; \\ fp16 — 夜 ".repeat(3));
    const dropped = await book(tokens.vision, T0 + 8 * HOUR, "cancelled sweep");
    await h.call("DELETE", `/api/v1/reservations/${dropped}`, { token: tokens.vision });
    const other = await book(tokens.audio, T0 + 4 * HOUR, "audio's booking");

    // Only the team's members (or an admin) may create one.
    expect(
      (await h.call("POST", "/api/v1/teams/vision/calendar-tokens", { token: tokens.audio, body: {} }))
        .status,
    ).toBe(403);
    const created = await h.call("POST", "/api/v1/teams/vision/calendar-tokens", {
      token: tokens.vision,
      body: { name: "vision in Outlook" },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ team: "vision", name: "vision in Outlook", revokedAt: null });
    const secret = created.body.token as string;
    expect(created.body.url).toBe(`/api/v1/calendar.ics?token=${encodeURIComponent(secret)}`);

    const feed = await fetch(`${h.url}${created.body.url}`);
    expect(feed.status).toBe(200);
    expect(feed.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
    const cal = parseICalendar(await feed.text());
    const byUid = new Map(cal.events.map((e) => [e.props.get("UID"), e.props]));
    expect([...byUid.keys()].sort()).toEqual([`${dropped}@berth`, `${kept}@berth`].sort());
    const event = byUid.get(`${kept}@berth`)!;
    expect(icalUtc(event.get("DTSTART")!)).toBe(T0 + 4 * HOUR);
    expect(icalUtc(event.get("DTEND")!)).toBe(T0 + 6 * HOUR);
    expect(icalUtc(event.get("DTSTAMP")!)).toBe(T0);
    expect(unescapeText(event.get("SUMMARY")!)).toContain("YOLOv8-large, night run; \\ fp16 — 夜");
    expect(event.get("STATUS")).toBe("CONFIRMED");
    expect(byUid.get(`${dropped}@berth`)!.get("STATUS")).toBe("CANCELLED");
    expect(byUid.has(`${other}@berth`)).toBe(false);

    // The calendar secret is no bearer token: every other operation refuses it.
    const openapi = (await (await fetch(`${h.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const calls = Object.entries(openapi.paths)
      .filter(([path]) => path !== "/api/v1/calendar.ics")
      .flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => [m.toUpperCase(), path.replace(/\{[^}]+\}/g, "vision")] as const),
      );
    expect(calls.length).toBeGreaterThan(30);
    for (const [method, path] of calls) {
      const r = await h.call(method, path, {
        token: secret,
        ...(method === "GET" || method === "DELETE" ? {} : { body: {} }),
      });
      expect(r.status, `${method} ${path}`).toBe(401);
    }
    expect((await fetch(`${h.url}/api/v1/events?ticket=${encodeURIComponent(secret)}`)).status).toBe(401);
    // And a bearer token is no calendar token.
    expect((await fetch(`${h.url}/api/v1/calendar.ics?token=${tokens.vision}`)).status).toBe(401);
    expect((await fetch(`${h.url}/api/v1/calendar.ics`)).status).toBe(401);

    // Listed without its secret; revoked, the feed is closed.
    const listed = await h.call("GET", "/api/v1/teams/vision/calendar-tokens", { token: tokens.vision });
    expect(listed.body.items).toEqual([expect.objectContaining({ id: created.body.id })]);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect(
      (await h.call("GET", "/api/v1/teams/vision/calendar-tokens", { token: tokens.audio })).status,
    ).toBe(403);
    expect(
      (
        await h.call("DELETE", `/api/v1/teams/vision/calendar-tokens/${created.body.id}`, {
          token: tokens.audio,
        })
      ).status,
    ).toBe(403);
    const revoked = await h.call("DELETE", `/api/v1/teams/vision/calendar-tokens/${created.body.id}`, {
      token: tokens.vision,
    });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    expect((await fetch(`${h.url}${created.body.url}`)).status).toBe(401);
  });
});
