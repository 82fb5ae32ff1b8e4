// `berth map` as a user runs it: files in, JSON or the pycocotools-style table out, one-line errors.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeCocoCase } from "../../fixtures/coco-cases.ts";

const ROOT = join(import.meta.dirname, "../../..");
const dir = mkdtempSync(join(tmpdir(), "berth-map-cli-"));

function berth(...args: string[]) {
  return spawnSync(process.execPath, [join(ROOT, "bin/berth.js"), ...args], { encoding: "utf8" });
}

describe("berth map", () => {
  const c = makeCocoCase({ seed: 11, images: 20, categories: 3, gtPerImage: 3, dtPerImage: 6 });
  const gt = join(dir, "gt.json");
  const dt = join(dir, "dt.json");
  writeFileSync(gt, JSON.stringify(c.gt));
  writeFileSync(dt, JSON.stringify(c.dt));

  it("prints twelve stats and one AP per category with --json", () => {
    const r = berth("map", "--gt", gt, "--dt", dt, "--json");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as {
      stats: number[];
      perCategory: { categoryId: number; ap: number }[];
    };
    expect(out.stats).toHaveLength(12);
    expect(out.perCategory.map((p) => p.categoryId)).toEqual([1, 4, 7]);
  });

  it("prints pycocotools' summary lines without --json", () => {
    const r = berth("map", "--gt", gt, "--dt", dt);
    expect(r.status).toBe(0);
    expect(r.stdout.split("\n")[0]).toMatch(
      /^ Average AP @\[ IoU=0\.50:0\.95 \| area= {3}all \| maxDets=100 \] = \d\.\d{3}$/,
    );
  });

  it("fails with one line on stderr when a file is not JSON", () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{not json");
    const r = berth("map", "--gt", gt, "--dt", bad);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/detections .*bad\.json is not valid JSON/);
  });
});
