import { describe, expect, it } from "vitest";
import { CocoInputError, parseDetections, parseGroundTruth } from "../../../src/abcheck/coco-input.ts";
import { IOU_THRESHOLDS, linspace, RECALL_THRESHOLDS } from "../../../src/abcheck/coco-params.ts";
import { cocoMap } from "../../../src/abcheck/coco-summarize.ts";

const gtJson = {
  images: [{ id: 1 }, { id: 2 }],
  categories: [
    { id: 1, name: "cat" },
    { id: 2, name: "dog" },
  ],
  annotations: [
    { id: 1, image_id: 1, category_id: 1, bbox: [10, 10, 50, 50], area: 2500, iscrowd: 0 },
    { id: 2, image_id: 2, category_id: 1, bbox: [100, 100, 20, 20], area: 400, iscrowd: 0 },
  ],
};

function map(dt: unknown[]) {
  const gt = parseGroundTruth(gtJson);
  return cocoMap(gt, parseDetections(dt, gt));
}

describe("COCO thresholds", () => {
  it("are ten IoU thresholds from 0.5 to 0.95 that contain 0.5 and 0.75 exactly", () => {
    expect(IOU_THRESHOLDS).toHaveLength(10);
    expect(IOU_THRESHOLDS[0]).toBe(0.5);
    expect(IOU_THRESHOLDS[5]).toBe(0.75);
    expect(IOU_THRESHOLDS[9]).toBe(0.95);
  });

  it("are 101 recall thresholds built as numpy's linspace builds them, not as decimal literals", () => {
    expect(RECALL_THRESHOLDS).toHaveLength(101);
    expect(RECALL_THRESHOLDS[100]).toBe(1);
    // 3 * 0.01 is 0.030000000000000002 in doubles: linspace keeps it, a literal 0.03 would not.
    expect(RECALL_THRESHOLDS[3]).toBe(3 * 0.01);
    expect(linspace(0, 1, 3)).toEqual([0, 0.5, 1]);
  });
});

describe("berth map", () => {
  it("gives 1 for perfect detections and -1 for the category and area ranges with no ground truth", () => {
    const r = map([
      { image_id: 1, category_id: 1, bbox: [10, 10, 50, 50], score: 0.9 },
      { image_id: 2, category_id: 1, bbox: [100, 100, 20, 20], score: 0.8 },
    ]);
    // Precision is tp / (tp + fp + eps) as in pycocotools, so "1" is 1 - 1e-16: compare to 1e-12.
    const rounded = (xs: number[]) => xs.map((v) => Math.round(v * 1e12) / 1e12);
    // AP, AP50, AP75, small (400 px²), medium (2500 px²), no large GT; then the recalls.
    expect(rounded(r.stats)).toEqual([1, 1, 1, 1, 1, -1, 1, 1, 1, 1, 1, -1]);
    expect(rounded(r.perCategory.map((p) => p.ap))).toEqual([1, -1]);
    expect(r.perCategory.map((p) => p.categoryId)).toEqual([1, 2]);
  });

  it("ranks a high-scoring false positive ahead of the true positives it precedes", () => {
    const r = map([
      { image_id: 1, category_id: 1, bbox: [300, 300, 50, 50], score: 0.95 },
      { image_id: 1, category_id: 1, bbox: [10, 10, 50, 50], score: 0.9 },
      { image_id: 2, category_id: 1, bbox: [100, 100, 20, 20], score: 0.8 },
    ]);
    // Precision is 1/2 at recall 0.5 and 2/3 at recall 1: the envelope is 2/3 everywhere.
    expect(r.stats[1]).toBeCloseTo(2 / 3, 12);
  });

  it("ignores a detection matched to a crowd region instead of counting it as a false positive", () => {
    const gt = parseGroundTruth({
      ...gtJson,
      annotations: [
        ...gtJson.annotations,
        { id: 3, image_id: 1, category_id: 1, bbox: [200, 200, 100, 100], area: 10000, iscrowd: 1 },
      ],
    });
    const dts = parseDetections(
      [
        { image_id: 1, category_id: 1, bbox: [210, 210, 40, 40], score: 0.99 },
        { image_id: 1, category_id: 1, bbox: [10, 10, 50, 50], score: 0.9 },
        { image_id: 2, category_id: 1, bbox: [100, 100, 20, 20], score: 0.8 },
      ],
      gt,
    );
    expect(cocoMap(gt, dts).stats[0]).toBeCloseTo(1, 12);
  });

  it("scores an empty results list as zero precision where ground truth exists", () => {
    expect(map([]).stats.slice(0, 6)).toEqual([0, 0, 0, 0, 0, -1]);
  });

  it.each([
    [
      "a detection on an image the ground truth lacks",
      [{ image_id: 9, category_id: 1, bbox: [0, 0, 1, 1], score: 1 }],
      /image_id 9/,
    ],
    ["a box with three numbers", [{ image_id: 1, category_id: 1, bbox: [0, 0, 1], score: 1 }], /bbox/],
    ["a missing score", [{ image_id: 1, category_id: 1, bbox: [0, 0, 1, 1] }], /score/],
    ["an object instead of a list", {}, /JSON array/],
  ])("refuses %s with an error naming the field", (_name, dt, message) => {
    const gt = parseGroundTruth(gtJson);
    expect(() => parseDetections(dt, gt)).toThrow(CocoInputError);
    expect(() => parseDetections(dt, gt)).toThrow(message);
  });
});
