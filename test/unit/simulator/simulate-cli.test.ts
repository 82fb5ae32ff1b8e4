import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

// The real command, in a child process, as users run it (bin/berth.js does the same).
const run = async (args: string[]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["bin/berth.js", ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

const dir = mkdtempSync(join(tmpdir(), "berth-sim-"));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const GOOD = JSON.stringify({
  cluster: {
    pools: [{ name: "v100", product: "Tesla-V100", computeCapability: "7.0", nodes: 1, gpusPerNode: 2 }],
  },
  jobs: [
    {
      id: "a",
      team: "t",
      pool: "v100",
      gpus: 1,
      submitAt: "2026-12-07T00:00:00Z",
      duration: 60,
      priority: "normal",
      reservation: null,
      checkpointEvery: 0,
    },
  ],
});

describe.concurrent("berth simulate on the command line", () => {
  // (Identical output for identical input is checked in-process by the property tests; each child
  // process here costs seconds, as the CLI loads every command's dependencies.)
  it("prints the contract's JSON with --json", async () => {
    const out = await run(["simulate", "--workload", file("good.json", GOOD), "--json"]);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({
      policy: "berth",
      metrics: { makespan: 60 },
      events: [{ type: "admit" }, { type: "finish" }],
    });
  });

  it("prints a readable summary without --json", async () => {
    const out = await run(["simulate", "--workload", file("good2.json", GOOD)]);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain("GPU utilisation");
    expect(out.stdout).toContain("makespan           60 s");
  });

  it("fails with one line on stderr and a non-zero exit on a bad workload", async () => {
    const out = await run([
      "simulate",
      "--workload",
      file("bad.json", GOOD.replace('"gpus":1', '"gpus":"one"')),
    ]);
    expect(out.code).toBe(1);
    expect(out.stdout).toBe("");
    expect(out.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^berth simulate: jobs\[0\]\.gpus: /),
    ]);
  });

  it("applies a workload's booking rules, and refuses inconsistent ones in one line", async () => {
    const workload = (rules: object) =>
      JSON.stringify({
        ...JSON.parse(GOOD),
        reservations: [
          {
            id: "r",
            team: "t",
            pool: "v100",
            nodes: 1,
            gpusPerNode: 1,
            start: "2026-12-07T01:30:00Z",
            end: "2026-12-07T02:30:00Z",
            priority: "normal",
            bookedAt: "2026-12-07T00:00:00Z",
          },
        ],
        rules,
      });
    const hourly = await run([
      "simulate",
      "--workload",
      file("hourly.json", workload({ gridMinutes: 60 })),
      "--json",
    ]);
    expect(hourly.code).toBe(0);
    expect(JSON.parse(hourly.stdout).events).toContainEqual({
      t: "2026-12-07T00:00:00.000Z",
      type: "refuse",
      reservation: "r",
      reason: "invalid: start: start must lie on the 60 min grid; end: end must lie on the 60 min grid",
    });
    const bad = await run(["simulate", "--workload", file("bad-rules.json", workload({ gridMinutes: 7 }))]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split("\n")).toEqual([
      "berth simulate: rules.gridMinutes: must be a whole number of minutes that divides a day (1-1440)",
    ]);
  });

  it("fails the same way on a file that is not JSON", async () => {
    const out = await run(["simulate", "--workload", file("broken.json", "{ nope")]);
    expect(out.code).toBe(1);
    expect(out.stderr.trim().split("\n")).toEqual([expect.stringMatching(/is not valid JSON/)]);
  });
});
