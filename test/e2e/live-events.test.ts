// The page's live event hook tells events apart by their stream id, never by their time: one
// maintenance window over a node displaces two bookings in one transaction, so the stream carries two
// `reservation.displaced` events of the same instant, and the team's page shows a notice for each.
import { describe, expect, it } from "vitest";
import { HOUR, screenshot, signedInPage } from "../support/browser.ts";
import { browserSuite } from "../support/browser-suite.ts";
import { awaitStreamedEvent, type StreamedEvent } from "../support/sse.ts";

const suite = browserSuite();
const QUARTER = 15 * 60_000;

describe("live events of the same instant", () => {
  it("both reach the page, each as its own notice", async () => {
    const { server, browser } = suite;
    const team = await server.member("twins");
    const start = Math.ceil((Date.now() + 24 * HOUR) / QUARTER) * QUARTER;
    // Two halves of one node (best fit puts the second 4 GPUs beside the first).
    const twins: { id: string; placement: { node: string }[] }[] = [];
    for (const title of ["twin A", "twin B"])
      twins.push(
        (await server.book(
          team,
          "V100",
          [1, 4],
          [start, start + 2 * HOUR],
          "normal",
          title,
        )) as (typeof twins)[0],
      );
    const [first, second] = twins as [(typeof twins)[0], (typeof twins)[0]];
    const node = first.placement[0]!.node;
    expect(second.placement[0]!.node).toBe(node);

    const page = await signedInPage(browser, server.url, team);
    await page.locator(".stream.live").waitFor();
    await server.api(server.adminToken, "POST", "/maintenance", {
      node,
      start: new Date(start - HOUR).toISOString(),
      end: new Date(start + 3 * HOUR).toISOString(),
      reason: "cooling repair",
    });
    // The same stream read from its start: the two events share their instant, not their id.
    const ids = new Set([first.id, second.id]);
    const seen: StreamedEvent[] = [];
    await awaitStreamedEvent(`${server.url}/api/v1/events?after=0`, server.adminToken, (e) => {
      if (e.event === "reservation.displaced" && ids.has(e.data.reservation)) seen.push(e);
      return seen.length === 2;
    });
    expect(seen[0]!.data.at).toBe(seen[1]!.data.at);
    expect(seen[0]!.id).not.toBe(seen[1]!.id);

    const notices = page.getByRole("alert").filter({ hasText: /was displaced/ });
    await notices.filter({ hasText: '"twin A"' }).waitFor();
    await notices.filter({ hasText: '"twin B"' }).waitFor();
    await expect(notices.count()).resolves.toBe(2);
    await screenshot(page, "live-events-same-instant");
    await page.context().close();
  });
});
