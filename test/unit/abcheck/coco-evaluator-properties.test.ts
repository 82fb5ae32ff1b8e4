// Properties of the evaluator that pycocotools has by construction, tried on random cases.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDetections, parseGroundTruth } from "../../../src/abcheck/coco-input.ts";
import { cocoMap } from "../../../src/abcheck/coco-summarize.ts";
import { seededRandom } from "../../../src/abcheck/seeded-random.ts";
import { makeCocoCase } from "../../fixtures/coco-cases.ts";

const caseArb = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  images: fc.integer({ min: 1, max: 25 }),
  categories: fc.integer({ min: 1, max: 4 }),
  gtPerImage: fc.integer({ min: 0, max: 5 }),
  dtPerImage: fc.integer({ min: 0, max: 12 }),
  crowdRate: fc.constantFrom(0, 0.2),
  scoreLevels: fc.constantFrom(undefined, 4),
  boundaryAreas: fc.boolean(),
});

describe("COCO evaluator properties", () => {
  it("gives every stat and per-category AP in [0, 1], or exactly -1", () => {
    fc.assert(
      fc.property(caseArb, (o) => {
        const c = makeCocoCase(o);
        const gt = parseGroundTruth(c.gt);
        const r = cocoMap(gt, parseDetections(c.dt, gt));
        for (const v of [...r.stats, ...r.perCategory.map((p) => p.ap)]) {
          expect(v === -1 || (v >= 0 && v <= 1)).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("does not depend on the file order of images, annotations, or detections of different images", () => {
    fc.assert(
      fc.property(caseArb, fc.integer(), (o, shuffleSeed) => {
        const c = makeCocoCase(o);
        const rnd = seededRandom(shuffleSeed);
        const shuffle = <T>(xs: T[]) => {
          const a = [...xs];
          for (let i = a.length - 1; i > 0; i--) {
            const j = Math.floor(rnd() * (i + 1));
            [a[i], a[j]] = [a[j]!, a[i]!];
          }
          return a;
        };
        // Detections of one image keep their relative order (it breaks score ties, as in pycocotools).
        const byImage = new Map<number, typeof c.dt>();
        for (const d of c.dt) byImage.set(d.image_id, [...(byImage.get(d.image_id) ?? []), d]);
        const dt2 = shuffle([...byImage.values()]).flat();
        const gtJson2 = { ...c.gt, images: shuffle(c.gt.images), categories: shuffle(c.gt.categories) };
        const gt1 = parseGroundTruth(c.gt);
        const gt2 = parseGroundTruth(gtJson2);
        expect(cocoMap(gt2, parseDetections(dt2, gt2))).toEqual(cocoMap(gt1, parseDetections(c.dt, gt1)));
      }),
      { numRuns: 60 },
    );
  });

  it("never lowers a category's AP when every ground truth gets an exact detection scored above all others", () => {
    fc.assert(
      fc.property(caseArb, (o) => {
        const c = makeCocoCase({ ...o, crowdRate: 0 });
        const gt = parseGroundTruth(c.gt);
        const before = cocoMap(gt, parseDetections(c.dt, gt));
        const extra = c.gt.annotations.map((a) => ({
          image_id: a.image_id,
          category_id: a.category_id,
          bbox: a.bbox,
          score: 2,
        }));
        const after = cocoMap(gt, parseDetections([...extra, ...c.dt], gt));
        after.perCategory.forEach((p, k) => {
          if (before.perCategory[k]!.ap !== -1)
            expect(p.ap).toBeGreaterThanOrEqual(before.perCategory[k]!.ap - 1e-12);
        });
      }),
      { numRuns: 40 },
    );
  });
});
