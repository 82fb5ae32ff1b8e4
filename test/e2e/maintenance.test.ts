// Maintenance never displaces maintenance, through the running server and in the browser: a window
// over another window of the same node is refused with a problem+json (409 invalid-state, naming the
// window already there), both windows' state unchanged, and the admin's Cluster page shows the
// refusal in words; a window over a booking still displaces it, with the reason worded as the
// reservation's `reasonText` words it.
import { describe, expect, it } from "vitest";
import { HOUR, localInput, screenshot, signedInPage } from "../support/browser.ts";
import { browserSuite } from "../support/browser-suite.ts";

const suite = browserSuite();
const QUARTER = 15 * 60_000;

interface Problem {
  type: string;
  status: number;
  detail: string;
  holders: { reservation: string; team: string; priority: string }[];
  errors: { field: string; message: string }[];
}

describe("maintenance windows", () => {
  it("refuses a window over another window of the node, over the API and in the UI", async () => {
    const { server, browser } = suite;
    const start = Math.ceil((Date.now() + 48 * HOUR) / QUARTER) * QUARTER;
    const window = (s: number, e: number, reason: string) => ({
      node: "V100-3",
      start: new Date(s).toISOString(),
      end: new Date(e).toISOString(),
      reason,
    });
    const first = await server.api<{ id: string; state: string }>(
      server.adminToken,
      "POST",
      "/maintenance",
      window(start, start + 4 * HOUR, "PSU swap"),
    );

    const res = await fetch(`${server.url}/api/v1/maintenance`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify(window(start + 2 * HOUR, start + 6 * HOUR, "BIOS update")),
    });
    expect(res.status).toBe(409);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const problem = (await res.json()) as Problem;
    expect(problem.type).toMatch(/\/invalid-state$/);
    expect(problem.detail).toMatch(/maintenance never displaces maintenance/);
    expect(problem.detail).toContain(first.id);
    expect(problem.holders).toEqual([expect.objectContaining({ reservation: first.id })]);
    expect(problem.errors).toEqual([expect.objectContaining({ field: "start" })]);
    const kept = await server.api<{ state: string }>(server.adminToken, "GET", `/reservations/${first.id}`);
    expect(kept.state).toBe("confirmed");

    // The same refusal from the admin's Cluster page, in words.
    const page = await signedInPage(browser, server.url, server.adminToken);
    await page.getByRole("link", { name: "Cluster" }).click();
    const form = page.getByRole("region", { name: "Maintenance" });
    await form.getByLabel("Node").selectOption("V100-3");
    await form.getByLabel("Maintenance start").fill(localInput(start + HOUR, "UTC"));
    await form.getByLabel("Maintenance end").fill(localInput(start + 3 * HOUR, "UTC"));
    await form.getByLabel("Reason").fill("BIOS update");
    await form.getByRole("button", { name: "Schedule maintenance" }).click();
    const alert = form.getByRole("alert");
    await alert.waitFor();
    await expect(alert.textContent()).resolves.toMatch(
      /Not scheduled: node V100-3 already has maintenance in that time: .*"PSU swap".*maintenance never displaces maintenance/,
    );
    await screenshot(page, "maintenance-refused");
    const windows = await server.api<{ items: { kind: string; state: string }[] }>(
      server.adminToken,
      "GET",
      "/reservations?pool=V100&state=confirmed",
    );
    expect(windows.items.filter((r) => r.kind === "maintenance")).toHaveLength(1);

    // A window clear of the other one is scheduled, and says so.
    await form.getByLabel("Maintenance start").fill(localInput(start + 4 * HOUR, "UTC"));
    await form.getByLabel("Maintenance end").fill(localInput(start + 5 * HOUR, "UTC"));
    await form.getByRole("button", { name: "Schedule maintenance" }).click();
    await form
      .getByRole("status")
      .filter({ hasText: /Scheduled maintenance of V100-3, .*; 0 bookings displaced/ })
      .waitFor();
    await page.context().close();
  });

  it("displaces a booking, whose reason reads the same in the API and on the page", async () => {
    const { server, browser } = suite;
    const team = await server.member("maint-words");
    const start = Math.ceil((Date.now() + 72 * HOUR) / QUARTER) * QUARTER;
    const booked = (await server.book(team, "V100", [1, 8], [start, start + 2 * HOUR], "high", "eval")) as {
      id: string;
      placement: { node: string }[];
    };
    await server.api(server.adminToken, "POST", "/maintenance", {
      node: booked.placement[0]!.node,
      start: new Date(start).toISOString(),
      end: new Date(start + HOUR).toISOString(),
    });
    const after = await server.api<{ state: string; reason: string; reasonText: string }>(
      team,
      "GET",
      `/reservations/${booked.id}`,
    );
    expect(after).toMatchObject({
      state: "displaced",
      reason: "maintenance",
      reasonText: "an admin scheduled maintenance of its node",
    });
    const page = await signedInPage(browser, server.url, team);
    await page.getByRole("link", { name: "Reservations" }).click();
    const row = page.getByRole("row").filter({ hasText: "eval" }).filter({ hasText: "Why:" });
    await row.getByText(`Why: ${after.reasonText}`).waitFor();
    await page.context().close();
  });
});
