// Berth's evaluator against real pycocotools (from the test venv) on generated corner cases:
// every one of the 12 stats and every per-category AP must agree to 1e-9.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDetections, parseGroundTruth } from "../../../src/abcheck/coco-input.ts";
import { cocoMap } from "../../../src/abcheck/coco-summarize.ts";
import { type CocoCaseOptions, makeCocoCase } from "../../fixtures/coco-cases.ts";
import { runPython } from "./python-venv.ts";

const SCRIPT = join(import.meta.dirname, "pycocotools-eval.py");
const dir = mkdtempSync(join(tmpdir(), "berth-parity-"));

const cases: [string, CocoCaseOptions][] = [
  [
    "a general mix of sizes and near-miss boxes",
    { seed: 1, images: 60, categories: 5, gtPerImage: 4, dtPerImage: 10 },
  ],
  [
    "crowd annotations",
    { seed: 2, images: 50, categories: 3, gtPerImage: 5, dtPerImage: 10, crowdRate: 0.3 },
  ],
  [
    "many images without any ground truth",
    { seed: 3, images: 60, categories: 4, gtPerImage: 3, dtPerImage: 6, emptyRate: 0.5 },
  ],
  [
    "categories that never get a detection",
    { seed: 4, images: 40, categories: 6, gtPerImage: 4, dtPerImage: 8, categoriesWithoutDetections: 2 },
  ],
  ["heavy score ties", { seed: 5, images: 50, categories: 3, gtPerImage: 4, dtPerImage: 12, scoreLevels: 5 }],
  [
    "more than 100 detections per image and category",
    { seed: 6, images: 12, categories: 2, gtPerImage: 6, dtPerImage: 160 },
  ],
  [
    "areas exactly on the small/medium/large boundaries",
    { seed: 7, images: 60, categories: 3, gtPerImage: 5, dtPerImage: 10, boundaryAreas: true },
  ],
  [
    "a ground-truth id of 0",
    { seed: 8, images: 30, categories: 2, gtPerImage: 3, dtPerImage: 6, gtIdFromZero: true },
  ],
  [
    "everything at once",
    {
      seed: 9,
      images: 120,
      categories: 7,
      gtPerImage: 5,
      dtPerImage: 40,
      crowdRate: 0.1,
      emptyRate: 0.2,
      scoreLevels: 20,
      boundaryAreas: true,
      categoriesWithoutDetections: 1,
    },
  ],
];

describe("berth's COCO evaluator matches pycocotools", () => {
  it.each(cases)("on %s", (name, options) => {
    const c = makeCocoCase(options);
    const slug = name.replace(/\W+/g, "-");
    const gtPath = join(dir, `${slug}-gt.json`);
    const dtPath = join(dir, `${slug}-dt.json`);
    writeFileSync(gtPath, JSON.stringify(c.gt));
    writeFileSync(dtPath, JSON.stringify(c.dt));
    const reference = JSON.parse(runPython(SCRIPT, [gtPath, dtPath])) as ReturnType<typeof cocoMap>;
    const gt = parseGroundTruth(c.gt);
    const ours = cocoMap(gt, parseDetections(c.dt, gt));
    expect(ours.stats).toHaveLength(12);
    ours.stats.forEach((v, i) => {
      expect(Math.abs(v - reference.stats[i]!), `stat ${i}`).toBeLessThanOrEqual(1e-9);
    });
    expect(ours.perCategory.map((p) => p.categoryId)).toEqual(reference.perCategory.map((p) => p.categoryId));
    ours.perCategory.forEach((p, k) => {
      expect(Math.abs(p.ap - reference.perCategory[k]!.ap), `category ${p.categoryId}`).toBeLessThanOrEqual(
        1e-9,
      );
    });
    // The case is not degenerate: detections found some GTs and missed others.
    expect(reference.stats[0]).toBeGreaterThan(0);
    expect(reference.stats[0]).toBeLessThan(1);
    // -1 exactly where pycocotools says -1.
    expect(ours.stats.map((v) => v === -1)).toEqual(reference.stats.map((v) => v === -1));
  });
});
