// Booking in a real browser: by dragging across free time on the timeline, by one click on a
// conflict's suggestion, then Extend and Cancel on the Reservations page.
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { HOUR, localInput, screenshot, signedInPage } from "../support/browser.ts";
import { browserSuite } from "../support/browser-suite.ts";

const suite = browserSuite();
let vision: string;
let page: Page;

interface Res {
  id: string;
  title: string;
  start: string;
  end: string;
  state: string;
}

const visionReservations = async () =>
  (await suite.server.api<{ items: Res[] }>(vision, "GET", "/reservations?team=vision")).items;

beforeAll(async () => {
  vision = await suite.server.member("vision");
  page = await signedInPage(suite.browser, suite.server.url, vision);
});

describe("booking from the UI", () => {
  it("opens on at least the next 7 days and books the window dragged across a free node", async () => {
    const timeline = page.getByRole("region", { name: "Timeline" });
    const from = Date.parse((await timeline.getAttribute("data-from"))!);
    const to = Date.parse((await timeline.getAttribute("data-to"))!);
    expect(from).toBeLessThanOrEqual(Date.now());
    expect(to).toBeGreaterThanOrEqual(Date.now() + 7 * 24 * HOUR);

    await page.getByRole("button", { name: "Day", exact: true }).click();
    const viewFrom = Date.parse((await timeline.getAttribute("data-from"))!);
    const viewTo = Date.parse((await timeline.getAttribute("data-to"))!);
    const start = Math.ceil(Date.now() / HOUR) * HOUR + 3 * HOUR;
    const end = start + 2 * HOUR;
    const track = page.locator('[data-node="V100-2"]');
    const box = (await track.boundingBox())!;
    const xOf = (t: number) => box.x + ((t - viewFrom) / (viewTo - viewFrom)) * box.width;
    const y = box.y + box.height / 2;
    // A few minutes past each mark, so the grid snapping lands on the marks themselves.
    await page.mouse.move(xOf(start + 5 * 60_000), y);
    await page.mouse.down();
    await page.mouse.move(xOf(start + HOUR), y, { steps: 5 });
    await page.mouse.move(xOf(end + 3 * 60_000), y, { steps: 5 });
    await screenshot(page, "drag-1-selection");
    await page.mouse.up();

    await page.getByRole("heading", { name: "Book GPUs" }).waitFor();
    await expect(page.getByLabel("Pool").inputValue()).resolves.toBe("V100");
    await expect(page.getByLabel("Start").inputValue()).resolves.toBe(localInput(start, "UTC"));
    await expect(page.getByLabel("End").inputValue()).resolves.toBe(localInput(end, "UTC"));
    await expect(page.getByLabel("GPUs per node").inputValue()).resolves.toBe("8");
    await page.getByLabel("Title").fill("dragged booking");
    await page
      .getByRole("region", { name: "Availability" })
      .getByText(/Available on/)
      .waitFor();
    await page.getByRole("button", { name: "Book", exact: true }).click();
    await page
      .getByRole("status")
      .filter({ hasText: /Booked "dragged booking"/ })
      .waitFor();
    expect(await visionReservations()).toEqual([
      expect.objectContaining({
        title: "dragged booking",
        start: new Date(start).toISOString(),
        end: new Date(end).toISOString(),
      }),
    ]);

    await page.getByRole("link", { name: "Timeline" }).click();
    const bar = page
      .getByRole("region", { name: "Timeline" })
      .getByRole("button", { name: /dragged booking, team vision, normal priority/ });
    await bar.waitFor();

    // Clicked, or Enter pressed on it: the timeline's one click handler (on the rows' container)
    // finds the bar and shows its details.
    const details = page.getByRole("region", { name: "Selected booking" });
    await bar.click();
    await details.getByRole("heading", { name: "dragged booking" }).waitFor();
    await details.getByRole("button", { name: "Close" }).click();
    await details.waitFor({ state: "detached" });
    await bar.press("Enter");
    await details.getByRole("heading", { name: "dragged booking" }).waitFor();

    // From the keyboard: the bar takes focus, → moves the view an eighth of its span later.
    await bar.focus();
    const before = Date.parse((await timeline.getAttribute("data-from"))!);
    await page.keyboard.press("ArrowRight");
    await page.waitForFunction(
      `Date.parse(document.querySelector("section.timeline").getAttribute("data-from")) > ${before}`,
    );
  });

  it("explains a conflict and books a suggested window in one click", async () => {
    const { server } = suite;
    const speech = await server.member("speech");
    const start = Math.ceil(Date.now() / HOUR) * HOUR + 30 * HOUR;
    const end = start + 4 * HOUR;
    await server.book(speech, "V100", [4, 8], [start, end], "high", "speech all-hands sweep");

    await page.getByRole("link", { name: "Book" }).click();
    await page.getByLabel("Pool").selectOption("V100");
    await page.getByLabel("Nodes").fill("1");
    await page.getByLabel("GPUs per node").fill("8");
    await page.getByLabel("Start").fill(localInput(start, "UTC"));
    await page.getByLabel("End").fill(localInput(start + 2 * HOUR, "UTC"));
    await page.getByLabel("Priority").selectOption("normal");
    await page.getByLabel("Title").fill("suggested booking");

    const availability = page.getByRole("region", { name: "Availability" });
    await availability.getByText(/Taken/).waitFor();
    await availability.getByText(/team speech at high/).waitFor();
    const suggestions = availability.getByRole("button", { name: /^Book / });
    await suggestions.first().waitFor();
    // Book anyway: the server's refusal in words, and the suggestions stay.
    await page.getByRole("button", { name: "Book", exact: true }).click();
    await page
      .getByRole("alert")
      .filter({ hasText: /free in pool V100/ })
      .waitFor();
    await screenshot(page, "conflict-1-suggestions");

    const name = (await suggestions.first().textContent())!;
    const when = /^Book (\d{4}-\d{2}-\d{2} \d{2}:\d{2})/.exec(name)![1]!;
    await suggestions.first().click();
    await page
      .getByRole("status")
      .filter({ hasText: /Booked "suggested booking"/ })
      .waitFor();
    const booked = (await visionReservations()).find((r) => r.title === "suggested booking")!;
    expect(localInput(Date.parse(booked.start), "UTC").replace("T", " ")).toBe(when);
    expect(Date.parse(booked.end) - Date.parse(booked.start)).toBe(2 * HOUR);
  });

  it("extends and cancels a booking from its row", async () => {
    await page.getByRole("link", { name: "Reservations" }).click();
    const row = page.getByRole("row").filter({ hasText: "dragged booking" });
    await row.waitFor();
    const before = (await visionReservations()).find((r) => r.title === "dragged booking")!;
    const newEnd = Date.parse(before.end) + HOUR;

    await row.getByRole("button", { name: "Extend" }).click();
    await row.getByLabel("New end").fill(localInput(newEnd, "UTC"));
    await row.getByRole("button", { name: "Save end" }).click();
    await row
      .getByRole("status")
      .filter({ hasText: `Now ends ${localInput(newEnd, "UTC").replace("T", " ")}` })
      .waitFor();
    const extended = (await visionReservations()).find((r) => r.id === before.id)!;
    expect(extended.end).toBe(new Date(newEnd).toISOString());
    await screenshot(page, "reservations-1-extended");

    await row.getByRole("button", { name: "Cancel" }).click();
    await row.getByRole("cell", { name: "cancelled" }).waitFor();
    const cancelled = (await visionReservations()).find((r) => r.id === before.id)!;
    expect(cancelled.state).toBe("cancelled");
    await expect(row.getByRole("button", { name: "Cancel" }).isDisabled()).resolves.toBe(true);
  });
});
