// A member subscribes a calendar application to the team's reservations: the Reservations page makes
// a feed URL to copy, the URL serves RFC 5545 text with the team's booking, and revoking closes it.
import { describe, expect, it } from "vitest";
import { HOUR, screenshot, signedInPage } from "../support/browser.ts";
import { browserSuite } from "../support/browser-suite.ts";
import { icalUtc, parseICalendar, unescapeText } from "../support/icalendar-check.ts";

const suite = browserSuite();
const QUARTER = 15 * 60_000;

describe("the calendar feed in the browser", () => {
  it("shows a feed URL to copy that a calendar application can read, until it is revoked", async () => {
    const { server, browser } = suite;
    const vision = await server.member("vision-cal");
    const start = Math.ceil((Date.now() + 6 * HOUR) / QUARTER) * QUARTER;
    const booked = await server.book(
      vision,
      "T4",
      [1, 2],
      [start, start + 3 * HOUR],
      "normal",
      "Ablation, part 2",
    );
    const page = await signedInPage(browser, server.url, vision, {
      permissions: ["clipboard-read", "clipboard-write"],
    });
    await page.getByRole("link", { name: "Reservations" }).click();
    const section = page.getByRole("region", { name: "Calendar feed" });
    await section.getByRole("button", { name: "Create calendar feed" }).click();
    const field = section.getByRole("textbox", { name: "Calendar feed URL" });
    await field.waitFor();
    const url = await field.inputValue();
    expect(url).toMatch(new RegExp(`^${server.url}/api/v1/calendar\\.ics\\?token=`));
    await section.getByRole("button", { name: "Copy feed URL" }).click();
    await section.getByRole("status").filter({ hasText: "Feed URL copied." }).waitFor();
    await expect(page.evaluate<string>("navigator.clipboard.readText()")).resolves.toBe(url);
    await screenshot(page, "calendar-feed");

    // What a calendar application gets from the URL, with no other credentials.
    const res = await fetch(url);
    expect(res.headers.get("content-type")).toMatch(/^text\/calendar/);
    const cal = parseICalendar(await res.text());
    const event = cal.events.find((e) => e.props.get("UID") === `${booked.id}@berth`)!;
    expect(unescapeText(event.props.get("SUMMARY")!)).toBe("Ablation, part 2 (2 × T4)");
    expect(icalUtc(event.props.get("DTSTART")!)).toBe(start);

    await section.getByRole("button", { name: /^Revoke feed/ }).click();
    await section
      .getByRole("status")
      .filter({ hasText: /Feed revoked/ })
      .waitFor();
    expect((await fetch(url)).status).toBe(401);
    await page.context().close();
  });
});
