// A booking Berth itself displaces (here: an admin's maintenance window over its node) is announced
// live to its team and keeps its reason and alternative on the Reservations page, from the server
// (a page opened after the event still shows the offer), in a real browser.
import { describe, expect, it } from "vitest";
import { HOUR, screenshot, signedInPage } from "../support/browser.ts";
import { browserSuite } from "../support/browser-suite.ts";

const suite = browserSuite();
const QUARTER = 15 * 60_000;

describe("displacement by maintenance in the browser", () => {
  it("tells the team at once why and offers the alternative, which a later page still shows", async () => {
    const { server, browser } = suite;
    const vision = await server.member("vision-maint");
    const start = Math.ceil((Date.now() + 24 * HOUR) / QUARTER) * QUARTER;
    const booked = (await server.book(
      vision,
      "V100",
      [1, 8],
      [start, start + 2 * HOUR],
      "high",
      "nightly eval",
    )) as { id: string; placement: { node: string }[] };
    const page = await signedInPage(browser, server.url, vision);
    // The stream is connected before the window is scheduled (the header says "Live").
    await page.locator(".stream.live").waitFor();

    await server.api(server.adminToken, "POST", "/maintenance", {
      node: booked.placement[0]!.node,
      start: new Date(start - HOUR).toISOString(),
      end: new Date(start + 3 * HOUR).toISOString(),
      reason: "firmware update",
    });
    const notice = page.getByRole("alert").filter({ hasText: /was displaced/ });
    await notice.waitFor();
    await expect(notice.textContent()).resolves.toMatch(/maintenance of its node \("firmware update"\)/);
    await notice.getByRole("button", { name: /^Book alternative/ }).waitFor();
    await screenshot(page, "displaced-maintenance-notice");

    // A second tab that never saw the event reads the offer from the reservation itself.
    const later = await signedInPage(browser, server.url, vision);
    await later.getByRole("link", { name: "Reservations" }).click();
    const row = later.getByRole("row").filter({ hasText: "nightly eval" }).filter({ hasText: "Why:" });
    await row.getByText(/Why: an admin scheduled maintenance of its node/).waitFor();
    const offer = row.getByRole("button", { name: /^Book alternative/ });
    await offer.click();
    await row.getByText(/^Alternative booked: /).waitFor();
    const mine = await server.api<{ items: { title: string; state: string; start: string }[] }>(
      vision,
      "GET",
      "/reservations?team=vision-maint",
    );
    expect(mine.items.filter((r) => r.state === "confirmed")).toEqual([
      expect.objectContaining({ title: "nightly eval", start: new Date(start).toISOString() }),
    ]);
    await screenshot(later, "displaced-maintenance-reservations");
    await later.context().close();
    await page.context().close();
  });
});
