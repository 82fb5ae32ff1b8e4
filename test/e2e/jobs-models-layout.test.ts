// Jobs followed live, the A/B report and a refused promotion, errors in words, hostile titles
// neutralised, and the phone-width layout, each in a real browser.
import { describe, expect, it } from "vitest";
import { HOUR, screenshot, signedInPage } from "../support/browser.ts";
import { browserSuite } from "../support/browser-suite.ts";

const suite = browserSuite();
const QUARTER = 15 * 60_000;

interface Job {
  id: string;
  state: string;
}

describe("jobs, models and layout in the browser", () => {
  it("shows a job's state change live, for one submitted in the form and one through the API", async () => {
    const { server, browser } = suite;
    const vision = await server.member("vision");
    const now = Math.floor(Date.now() / QUARTER) * QUARTER;
    const reservation = await server.book(
      vision,
      "V100",
      [1, 8],
      [now, now + 2 * HOUR],
      "normal",
      "yolo training window",
    );
    const page = await signedInPage(browser, server.url, vision);
    await page.getByRole("link", { name: "Jobs" }).click();
    await page.getByLabel("Reservation").selectOption(reservation.id);
    await page.getByLabel("GPUs").fill("4");
    await page.getByRole("button", { name: "Submit job" }).click();
    const submitted = page.getByRole("status").filter({ hasText: /Submitted job/ });
    await submitted.waitFor();
    const jobId = /Submitted job (\S+):/.exec((await submitted.textContent())!)![1]!;
    const formRow = page.getByRole("row").filter({ hasText: jobId });
    await formRow.getByText("running", { exact: true }).waitFor();

    // A short simulated run: queued → running → succeeded, each shown without a reload.
    const quick = await server.api<Job>(vision, "POST", "/jobs", {
      kind: "train",
      pool: "V100",
      gpus: 2,
      reservation: reservation.id,
      spec: {
        image: "ultralytics/ultralytics:8.3.0",
        model: "yolov8n.pt",
        data: "coco8.yaml",
        epochs: 1,
        simDurationSeconds: 2,
      },
    });
    const quickRow = page.getByRole("row").filter({ hasText: quick.id });
    await quickRow.getByText("running", { exact: true }).waitFor();
    await quickRow.getByText("succeeded", { exact: true }).waitFor();
    await expect(quickRow.getByRole("cell").nth(7).textContent()).resolves.toBe("1");
    // What it cost (2 GPUs for a couple of seconds) and that nothing preempted it.
    await expect(quickRow.getByRole("cell").nth(8).textContent()).resolves.toBe("< 0.01");
    await expect(quickRow.getByRole("cell").nth(9).textContent()).resolves.toBe("0");
    await screenshot(page, "jobs-1-live");

    // The booked hours show on the Cluster page's V100 chart and in its summary in words.
    await page.getByRole("link", { name: "Cluster" }).click();
    const chart = page.getByRole("region", { name: "Utilisation of V100" });
    await chart.getByText(/Next 7 days: \d+% booked on average, peak 25% from/).waitFor();
    await expect(chart.locator("canvas").count()).resolves.toBe(1);
    await screenshot(page, "cluster-1-utilisation");
    await page.context().close();
  });

  it("lays out the A/B report side by side and shows a refused promotion's reason", async () => {
    const { server, browser } = suite;
    const vision = await server.member("vision-models");
    const model = await server.api<{ id: string }>(vision, "POST", "/models", {
      name: "yolov8l-coco",
      version: "1",
      artifacts: { fp32: "runs/yolov8l/fp32.onnx", fp16: "runs/yolov8l/fp16.onnx" },
    });
    const side = (map: number, ips: number, mem: number) => ({
      map5095: map,
      map50: map + 0.17,
      apSmall: map - 0.2,
      imagesPerSecond: ips,
      peakMemoryMB: mem,
    });
    // A report run elsewhere, imported by an admin; Berth judges it itself.
    await server.api(server.adminToken, "POST", `/models/${model.id}/abchecks`, {
      pool: "V100",
      report: {
        images: 500,
        provider: "cpu",
        fp32: side(0.523, 41.5, 2210),
        fp16: side(0.521, 43.2, 1540),
        delta: { map5095: -0.002, map50: -0.002, apSmall: -0.002, ci95: [-0.004, 0.0] },
        passed: true,
        reasons: [],
        fp16Arithmetic: "emulated-on-cpu",
      },
    });
    const page = await signedInPage(browser, server.url, vision);
    await page.getByRole("link", { name: "Models" }).click();
    const card = page.getByRole("region", { name: /Model yolov8l-coco 1/ });
    const map = card.getByRole("row").filter({ hasText: "mAP50-95" });
    await map.waitFor();
    await expect(map.getByRole("cell").allTextContents()).resolves.toEqual(["52.30", "52.10", "-0.20"]);
    await card
      .getByText(/emulated on the CPU/)
      .first()
      .waitFor();

    await card.getByLabel("Precision").selectOption("fp16");
    await card.getByLabel("Serving pool").selectOption("V100");
    await card.getByRole("button", { name: "Promote" }).click();
    const refusal = card.getByRole("alert");
    await refusal.getByText(/Refused: /).waitFor();
    await screenshot(page, "models-1-ab-report");
    await page.context().close();
  });

  it("says what is wrong in words and shows hostile titles as plain text", async () => {
    const { server, browser } = suite;
    const team = await server.member("red-team");
    const start = Math.ceil(Date.now() / HOUR) * HOUR + 6 * HOUR;
    const spoof = "invoice\u202Egnp.exe<img src=x onerror=alert(1)>";
    await server.book(team, "P100", [1, 4], [start, start + 2 * HOUR], "low", spoof);
    const page = await signedInPage(browser, server.url, team);
    const bar = page.getByRole("region", { name: "Timeline" }).getByRole("button", { name: /invoice/ });
    await bar.waitFor();
    const label = (await bar.getAttribute("aria-label"))!;
    expect(label).toContain("invoicegnp.exe<img src=x onerror=alert(1)>");
    expect(label).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    await expect(page.locator("img[src=x]").count()).resolves.toBe(0);

    // The same booking in the timeline's list view (the keyboard and screen-reader table).
    await page.getByRole("button", { name: "List view" }).click();
    const listed = page
      .getByRole("table", { name: "Bookings in view" })
      .getByRole("row")
      .filter({ hasText: "red-team" });
    await listed.getByText("invoicegnp.exe<img src=x onerror=alert(1)>").waitFor();
    await screenshot(page, "timeline-list-view");

    // An off-grid start: the server's 422 and its field, in words, in the live answer.
    await page.getByRole("link", { name: "Book" }).click();
    await page.getByLabel("Start").fill("2031-01-01T10:07");
    await page.getByLabel("End").fill("2031-01-01T12:00");
    const availability = page.getByRole("region", { name: "Availability" });
    // The field named as the server names it (lower case), not the form's own "Start:" hint.
    await availability.getByText(/\(start: \S/).waitFor();
    await page.getByLabel("End").fill("2031-01-01T09:00");
    await availability.getByText("End must be after Start.").waitFor();
    await page.context().close();
  });

  it("fits a 390 px phone after sign-in", async () => {
    const { server, browser } = suite;
    const team = await server.member("mobile");
    const page = await signedInPage(browser, server.url, team, {
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    for (const name of ["Timeline", "Book", "Reservations", "Jobs", "Models", "Cluster"]) {
      await expect(page.getByRole("link", { name, exact: true }).isVisible()).resolves.toBe(true);
    }
    await page.getByRole("region", { name: "Timeline" }).waitFor();
    const overflow = () => page.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth");
    await expect(overflow()).resolves.toBeLessThanOrEqual(0);
    await screenshot(page, "mobile-1-timeline");
    await page.getByRole("link", { name: "Book", exact: true }).click();
    await page
      .getByRole("region", { name: "Availability" })
      .getByText(/Available on/)
      .waitFor();
    await expect(overflow()).resolves.toBeLessThanOrEqual(0);
    await screenshot(page, "mobile-2-book");
    await page.context().close();
  });

  it("shows controls by role: an admin books for a team, a member cannot change another team's booking", async () => {
    const { server, browser } = suite;
    const owner = await server.member("owners");
    const other = await server.member("others");
    const start = Math.ceil(Date.now() / HOUR) * HOUR + 8 * HOUR;
    await server.book(owner, "T4", [1, 4], [start, start + HOUR], "normal", "owners' eval");

    const admin = await signedInPage(browser, server.url, server.adminToken);
    await admin.getByRole("link", { name: "Book", exact: true }).click();
    await admin
      .getByRole("region", { name: "Availability" })
      .getByText(/choose one/)
      .waitFor();
    await admin.getByLabel("Team").selectOption("owners");
    await admin
      .getByRole("region", { name: "Availability" })
      .getByText(/Available on/)
      .waitFor();
    await admin.context().close();

    const member = await signedInPage(browser, server.url, other);
    // Exact: the timeline's bars are named "…, team owners, …" and must not count.
    await expect(member.getByLabel("Team", { exact: true }).count()).resolves.toBe(0);
    await member.getByRole("link", { name: "Reservations" }).click();
    await member.getByLabel("Every team's").check();
    const row = member.getByRole("row").filter({ hasText: "owners' eval" });
    await row.waitFor();
    await expect(row.getByRole("button", { name: "Cancel" }).isDisabled()).resolves.toBe(true);
    await expect(row.getByRole("button", { name: "Extend" }).isDisabled()).resolves.toBe(true);
    await member.context().close();
  });
});
