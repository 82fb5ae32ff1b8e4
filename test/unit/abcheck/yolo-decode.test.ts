import { describe, expect, it } from "vitest";
import { nonMaxSuppression } from "../../../src/abcheck/nms.ts";
import { decodeYolo, detectLayout, YoloLayoutError } from "../../../src/abcheck/yolo-decode.ts";

describe("YOLO output layouts", () => {
  it.each([
    [[1, 84, 8400], 80, "v8"],
    [[1, 7, 525], 3, "v8"],
    [[1, 25200, 85], 80, "v5"],
    [[1, 300, 6], 80, "end2end"],
    [[1, 300, 6], 1, "end2end"],
    [[1, 25200, 6], 1, "v5"],
  ] as const)("recognises %j with %i classes as %s", (dims, nc, layout) => {
    expect(detectLayout(dims, nc)).toBe(layout);
  });

  it("refuses a shape that fits no layout, naming the shapes it expected", () => {
    expect(() => detectLayout([1, 10, 10], 80)).toThrow(YoloLayoutError);
    expect(() => detectLayout([1, 10, 10], 80)).toThrow(/v8 \[1, 84, N\]/);
  });
});

describe("decoding", () => {
  // Two anchors, two classes. v8 is channel-major: row c holds channel c for every anchor.
  const v8 = Float32Array.from([
    // cx      cy        w        h       cls0      cls1
    ...[10, 50],
    ...[10, 50],
    ...[4, 8],
    ...[6, 8],
    ...[0.9, 0.0005],
    ...[0.2, 0.6],
  ]);

  it("turns a v8 output into xyxy boxes, one per class above the threshold (multi-label)", () => {
    const c = decodeYolo(v8, [1, 6, 2], "v8", { confThreshold: 0.001, multiLabel: true, nc: 2 });
    expect(c.map((x) => [x.classIndex, Number(x.score.toFixed(4)), x.box])).toEqual([
      [0, 0.9, [8, 7, 12, 13]],
      [1, 0.2, [8, 7, 12, 13]],
      [1, 0.6, [46, 46, 54, 54]],
    ]);
  });

  it("keeps only the best class per anchor without multi-label", () => {
    const c = decodeYolo(v8, [1, 6, 2], "v8", { confThreshold: 0.001, multiLabel: false, nc: 2 });
    expect(c.map((x) => x.classIndex)).toEqual([0, 1]);
  });

  it("multiplies v5 objectness by class scores and gates on objectness first", () => {
    const v5 = Float32Array.from([
      ...[10, 10, 4, 6, 0.5, 0.8, 0.1], // obj 0.5 -> scores 0.4, 0.05
      ...[50, 50, 8, 8, 0.0005, 1, 1], // objectness below the threshold: dropped
    ]);
    const c = decodeYolo(v5, [1, 2, 7], "v5", { confThreshold: 0.001, multiLabel: true, nc: 2 });
    expect(c.map((x) => [x.classIndex, x.score.toFixed(3)])).toEqual([
      [0, "0.400"],
      [1, "0.050"],
    ]);
  });

  it("reads end-to-end rows as x1 y1 x2 y2 score class", () => {
    const e2e = Float32Array.from([...[1, 2, 3, 4, 0.7, 2], ...[0, 0, 0, 0, 0, 0]]);
    const c = decodeYolo(e2e, [1, 2, 6], "end2end", { confThreshold: 0.001, multiLabel: true, nc: 3 });
    expect(c).toEqual([{ box: [1, 2, 3, 4], score: Math.fround(0.7), classIndex: 2 }]);
  });
});

describe("class-aware NMS", () => {
  const box = (x: number, score: number, classIndex: number) => ({
    box: [x, 0, x + 10, 10] as [number, number, number, number],
    score,
    classIndex,
  });

  it("suppresses an overlapping box of the same class but keeps one of another class", () => {
    const kept = nonMaxSuppression([box(0, 0.9, 0), box(1, 0.8, 0), box(1, 0.7, 1), box(30, 0.6, 0)], {
      iouThreshold: 0.7,
      maxDet: 300,
    });
    expect(kept.map((k) => [k.box[0], k.classIndex])).toEqual([
      [0, 0],
      [1, 1],
      [30, 0],
    ]);
  });

  it("keeps boxes whose IoU equals the threshold exactly and stops at max_det", () => {
    // IoU of [0,10] and [5,15] widths: 5*10 / (100+100-50) = 1/3
    const kept = nonMaxSuppression([box(0, 0.9, 0), box(5, 0.8, 0), box(40, 0.7, 0)], {
      iouThreshold: 1 / 3,
      maxDet: 2,
    });
    expect(kept.map((k) => k.box[0])).toEqual([0, 5]);
  });
});
