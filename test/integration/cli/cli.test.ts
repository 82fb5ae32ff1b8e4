import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, HOUR, startHarness, T0 } from "../../support/api-harness.ts";
import { berthCli } from "../../support/berth-cli.ts";

const iso = (t: number) => new Date(t).toISOString();

describe("the berth CLI against a real server", () => {
  let h: Harness;
  let token: string;
  const berth = berthCli(() => ({ BERTH_URL: h.url, BERTH_TOKEN: token }));
  beforeAll(async () => {
    h = await startHarness("postgres");
    token = await h.team("vision");
  });
  afterAll(async () => h.close());

  it("books with a table by default and JSON on request, and lists what it booked", async () => {
    const table = await berth(
      "book",
      "--pool",
      "V100",
      "--gpus",
      "4",
      "--start",
      iso(T0 + 2 * HOUR),
      "--hours",
      "2",
      "--title",
      "cli run",
    );
    expect(table.code).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(
      /^ID\s+TEAM\s+POOL\s+NODES\s+GPUSPERNODE\s+START\s+END\s+PRIORITY\s+STATE/,
    );
    expect(table.stdout).toContain("vision");
    const json = await berth(
      "book",
      "--pool",
      "V100",
      "--gpus",
      "4",
      "--start",
      iso(T0 + 2 * HOUR),
      "--end",
      iso(T0 + 3 * HOUR),
      "--json",
    );
    expect(json.code).toBe(0);
    const booked = JSON.parse(json.stdout);
    expect(booked).toMatchObject({ team: "vision", gpusPerNode: 4, state: "confirmed" });
    const ls = JSON.parse((await berth("ls", "--json", "--team", "vision")).stdout);
    expect(ls.items.map((r: { id: string }) => r.id)).toContain(booked.id);
    const cancelled = JSON.parse((await berth("cancel", booked.id, "--json")).stdout);
    expect(cancelled.state).toBe("cancelled");
  });

  it("says what a dry run would do without booking", async () => {
    const before = JSON.parse((await berth("ls", "--json")).stdout).items.length;
    const dry = await berth(
      "book",
      "--pool",
      "V100",
      "--gpus",
      "2",
      "--start",
      iso(T0 + 8 * HOUR),
      "--hours",
      "1",
      "--dry-run",
    );
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("would book");
    expect(JSON.parse((await berth("ls", "--json")).stdout).items).toHaveLength(before);
  });

  it.each([
    [
      "a conflict",
      [
        "book",
        "--pool",
        "V100",
        "--gpus",
        "4",
        "--nodes",
        "2",
        "--start",
        iso(T0 + 2 * HOUR),
        "--hours",
        "1",
      ],
      /^berth: 409 slot-taken: .*\(try V100/,
    ],
    [
      "a bad number",
      ["book", "--pool", "V100", "--gpus", "lots", "--start", "now", "--hours", "1"],
      /--gpus must be a whole number/,
    ],
    [
      "an off-grid time",
      ["book", "--pool", "V100", "--gpus", "1", "--start", iso(T0 + 2 * HOUR + 60_000), "--hours", "1"],
      /^berth: 422 invalid-request: start: /,
    ],
    ["an unknown reservation", ["cancel", "r-nope"], /^berth: 404 not-found: /],
  ])("fails on %s with one line on stderr and a non-zero exit", async (_name, args, message) => {
    const r = await berth(...(args as string[]));
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(message as RegExp);
  });

  it("finds free windows and submits and lists jobs", async () => {
    const av = JSON.parse(
      (
        await berth(
          "availability",
          "--pool",
          "V100",
          "--gpus",
          "4",
          "--nodes",
          "2",
          "--hours",
          "1",
          "--after",
          iso(T0 + 2 * HOUR),
          "--json",
        )
      ).stdout,
    );
    expect(av.items[0].start).toBe(iso(T0 + 4 * HOUR));
    const sub = await berth(
      "submit",
      "--kind",
      "external",
      "--image",
      "busybox:1.36",
      "--pool",
      "V100",
      "--gpus",
      "2",
      "--json",
    );
    expect(sub.code).toBe(0);
    const job = JSON.parse(sub.stdout);
    expect(job.state).toBe("queued");
    const jobs = await berth("jobs");
    expect(jobs.stdout).toContain(job.id);
  });
});
