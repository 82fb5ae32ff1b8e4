// The booking rules an operator sets (BERTH_BOOKING_*, BERTH_FREEZE_MINUTES,
// BERTH_DEFAULT_GRACE_SECONDS), seen through a running `berth serve`: a one-hour grid refuses a
// booking on the default quarter-hour grid with the 422 a user reads, and accepts one on the hour;
// an invalid setting stops the server at start with one line naming the variable.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BerthProcess, startBerthProcess } from "../../support/berth-process.ts";

const ADMIN = "operator-settings-admin-token-0123456789";
const HOUR = 3_600_000;

describe("operator booking settings in berth serve", () => {
  let berth: BerthProcess;
  let dir: string;
  const api = (path: string, body: unknown) =>
    fetch(`${berth.url}/api/v1${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-settings-"));
    berth = await startBerthProcess({
      BERTH_DATA_DIR: dir,
      BERTH_ADMIN_TOKEN: ADMIN,
      BERTH_BOOKING_GRID_MINUTES: "60",
      BERTH_BOOKING_HORIZON_DAYS: "2",
    });
    expect((await api("/teams", { name: "vision" })).status).toBe(201);
  });
  afterAll(async () => {
    await berth?.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });

  // Tomorrow at 10:00 UTC: on every grid a day divides into.
  const tomorrow = Math.ceil(Date.now() / (24 * HOUR)) * 24 * HOUR + 10 * HOUR;
  const booking = (start: number, end: number) => ({
    team: "vision",
    pool: "V100",
    nodes: 1,
    gpusPerNode: 1,
    priority: "normal",
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
  });

  it("refuses a start and end off the operator's one-hour grid with 422 naming both fields", async () => {
    const res = await api("/reservations", booking(tomorrow + HOUR / 4, tomorrow + (5 * HOUR) / 4));
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const problem = (await res.json()) as { status: number; errors: { field: string; message: string }[] };
    expect(problem.status).toBe(422);
    expect(problem.errors).toEqual([
      { field: "start", message: "start must lie on the 60 min grid" },
      { field: "end", message: "end must lie on the 60 min grid" },
    ]);
  });

  it("accepts a booking on the hour", async () => {
    const res = await api("/reservations", booking(tomorrow, tomorrow + 2 * HOUR));
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ team: "vision", state: "confirmed" });
  });

  it("refuses a start beyond the operator's two-day horizon", async () => {
    const res = await api(
      "/reservations",
      booking(tomorrow + 3 * 24 * HOUR, tomorrow + 3 * 24 * HOUR + HOUR),
    );
    expect(res.status).toBe(422);
    expect(((await res.json()) as { errors: unknown[] }).errors).toEqual([
      { field: "start", message: "start is beyond the 2-day horizon" },
    ]);
  });

  it("refuses to start with an invalid setting, in one line naming it", async () => {
    const out = await promisify(execFile)(process.execPath, ["bin/berth.js", "serve"], {
      env: { ...process.env, BERTH_DATA_DIR: dir, PORT: "0", BERTH_BOOKING_GRID_MINUTES: "7" },
    }).then(
      () => ({ code: 0, stderr: "" }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(out.code).not.toBe(0);
    const lines = out.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /BERTH_BOOKING_GRID_MINUTES: must be a whole number of minutes that divides a day/,
    );
  });
});
