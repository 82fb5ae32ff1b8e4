// Issue 15's story in a real browser: every V100 is booked tonight by team speech; an engineer of
// team vision (in Berlin) sees the pool's night, books 8 GPUs at critical, is told before confirming
// whose booking it displaces, and the displaced team sees it live, with the reason and an alternative.
import { describe, expect, it } from "vitest";
import { HOUR, localInput, screenshot, signedInPage } from "../support/browser.ts";
import { browserSuite } from "../support/browser-suite.ts";

const suite = browserSuite();

describe("the critical YOLO run booked over a full V100 night", () => {
  it("names the displaced booking before Book, and its team sees why and an alternative live", async () => {
    const { server, browser } = suite;
    const vision = await server.member("vision", { critical: 1000 });
    const speech = await server.member("speech");
    // Beyond the 2 h displacement freeze, on the hour: "tonight" for the test's purposes.
    const start = Math.ceil(Date.now() / HOUR) * HOUR + 4 * HOUR;
    const end = start + 10 * HOUR;
    for (let i = 0; i < 4; i++) {
      await server.book(speech, "V100", [1, 8], [start, end], "normal", `ASR sweep ${i}`);
    }

    const started = Date.now();
    const speechPage = await signedInPage(browser, server.url, speech);
    const berlin = "Europe/Berlin";
    const page = await signedInPage(browser, server.url, vision, { timezoneId: berlin });

    // The V100 pool's night at a glance: all four speech bookings on the timeline.
    const timeline = page.getByRole("region", { name: "Timeline" });
    await timeline.getByRole("button", { name: /ASR sweep 3, team speech, normal priority/ }).waitFor();
    for (let i = 0; i < 4; i++) {
      await expect(
        timeline.getByRole("button", { name: new RegExp(`ASR sweep ${i}`) }).count(),
      ).resolves.toBe(1);
    }
    await screenshot(page, "story-1-timeline");

    await page.getByRole("link", { name: "Book" }).click();
    await page.getByLabel("Pool").selectOption("V100");
    await page.getByLabel("Nodes").fill("1");
    await page.getByLabel("GPUs per node").fill("8");
    await page.getByLabel("Start").fill(localInput(start, berlin));
    await page.getByLabel("End").fill(localInput(end, berlin));
    await page.getByLabel("Priority").selectOption("critical");
    await page.getByLabel("Title").fill("YOLOv8-large critical run");

    // Before Book: the live answer says it fits only by displacing speech's booking, named.
    const availability = page.getByRole("region", { name: "Availability" });
    await availability.getByText(/Only by displacing 1 lower-priority booking/).waitFor();
    await expect(availability.textContent()).resolves.toMatch(/"ASR sweep \d" of team speech \(normal\)/);
    await expect(availability.textContent()).resolves.toMatch(
      /Quota left this week at critical after this booking: 9[2-9]\d GPU-hours/,
    );
    await page.getByText(/Booking this displaces 1 booking/).waitFor();
    await screenshot(page, "story-2-displacement-warning");
    await page.getByRole("button", { name: "Book", exact: true }).click();
    await page
      .getByRole("status")
      .filter({ hasText: /Booked "YOLOv8-large critical run"/ })
      .waitFor();
    await screenshot(page, "story-3-booked");

    // Stored in UTC exactly as typed in Berlin time.
    const mine = await server.api<{
      items: { title: string; start: string; end: string; priority: string }[];
    }>(vision, "GET", "/reservations?team=vision");
    expect(mine.items).toEqual([
      expect.objectContaining({
        title: "YOLOv8-large critical run",
        start: new Date(start).toISOString(),
        end: new Date(end).toISOString(),
        priority: "critical",
      }),
    ]);

    // The displaced team, on another page of the UI, is told at once, with the alternative.
    const notice = speechPage.getByRole("alert").filter({ hasText: /was displaced/ });
    await notice.waitFor();
    await expect(notice.textContent()).resolves.toMatch(/critical booking of team vision/);
    await screenshot(speechPage, "story-4-displaced-notice");
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(60_000);

    const alternative = notice.getByRole("button", { name: /^Book alternative/ });
    await alternative.click();
    await notice
      .getByRole("status")
      .filter({ hasText: /Booked the alternative/ })
      .waitFor();

    // The Reservations page keeps the reason for later.
    await speechPage.getByRole("link", { name: "Reservations" }).click();
    const row = speechPage.getByRole("row").filter({ hasText: "displaced" });
    await row.getByText(/Why: .*critical booking of team vision/).waitFor();
    // The API words it the same (src/core/displacement-wording.ts); the page adds team and title.
    const theirs = await server.api<{ items: { state: string; reasonText?: string }[] }>(
      speech,
      "GET",
      "/reservations?team=speech&state=displaced",
    );
    expect(theirs.items.map((r) => r.reasonText)).toEqual([
      "a critical booking took its slots (critical over normal)",
    ]);
    await row
      .getByText(
        'Why: a critical booking of team vision ("YOLOv8-large critical run") took its slots (critical over normal)',
      )
      .waitFor();
    await row.getByText(/Alternative booked: /).waitFor();
    await screenshot(speechPage, "story-5-reservations");
    await speechPage.context().close();
    await page.context().close();
  });
});
