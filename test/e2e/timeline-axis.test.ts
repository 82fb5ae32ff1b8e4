// The timeline's time axis stays readable at week zoom (the zoom it opens on): no two labels overlap,
// from phone to wide desktop widths and in locales whose day and month names are longer, in real
// Chromium.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { screenshot, signedInPage } from "../support/browser.ts";
import { browserSuite } from "../support/browser-suite.ts";

const suite = browserSuite();

async function labelBoxes(page: Page) {
  const timeline = page.getByRole("region", { name: "Timeline" });
  await timeline.locator(".tl-tick span").first().waitFor();
  const boxes = await page.evaluate<{ text: string; left: number; right: number }[]>(
    `[...document.querySelectorAll(".tl-tick span")].map((s) => {
       const r = s.getBoundingClientRect();
       return { text: s.textContent, left: r.left, right: r.right };
     }).sort((a, b) => a.left - b.left)`,
  );
  return boxes;
}

const WIDTHS = [390, 480, 560, 640, 720, 800, 900, 1024, 1280, 1600, 1920];

describe("the timeline's axis at week zoom", () => {
  for (const locale of ["en-GB", "en-US", "de-DE", "fr-FR", "ja-JP"]) {
    it(`labels never overlap, ${locale}, from 390 to 1920 px wide`, async () => {
      const { server, browser } = suite;
      const page = await signedInPage(browser, server.url, server.adminToken, { locale });
      await page.getByRole("link", { name: "Timeline" }).click();
      const week = page.getByRole("button", { name: "Week", exact: true });
      await expect(week.getAttribute("aria-pressed")).resolves.toBe("true");
      const found: string[] = [];
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 800 });
        await page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))");
        const boxes = await labelBoxes(page);
        expect(boxes.length).toBeGreaterThanOrEqual(4);
        const overlaps = boxes.slice(1).filter((b, i) => b.left < boxes[i]!.right + 2);
        if (overlaps.length > 0) {
          found.push(`${width}px: ${overlaps.map((b) => b.text).join(", ")}`);
          await screenshot(page, `axis-overlap-${locale}-${width}`);
        }
      }
      expect(found).toEqual([]);
      await page.context().close();
    });
  }
});
