import { describe, expect, it } from "vitest";
import {
  abVerdict,
  DEFAULT_GATE,
  type GateConfig,
  precisionMetrics,
} from "../../../src/abcheck/ab-verdict.ts";
import { bootstrapTable, resampledMap } from "../../../src/abcheck/bootstrap-map.ts";
import { evaluateCoco } from "../../../src/abcheck/coco-evaluate.ts";
import { type CocoDetection, parseDetections, parseGroundTruth } from "../../../src/abcheck/coco-input.ts";
import { makeCocoCase } from "../../fixtures/coco-cases.ts";

const c = makeCocoCase({ seed: 21, images: 520, categories: 3, gtPerImage: 3, dtPerImage: 5 });
const gt = parseGroundTruth(c.gt);
const fp32 = parseDetections(c.dt, gt);

function verdict(
  fp16: CocoDetection[],
  gate: Partial<GateConfig> = {},
  arithmetic: "gpu" | "emulated-on-cpu" = "gpu",
) {
  const e32 = evaluateCoco(gt, fp32);
  const e16 = evaluateCoco(gt, fp16);
  return abVerdict({
    fp32: e32,
    fp16: e16,
    fp32Metrics: precisionMetrics(e32),
    fp16Metrics: precisionMetrics(e16),
    images: gt.imageIds.length,
    fp16Arithmetic: arithmetic,
    gate: { ...DEFAULT_GATE, bootstrapSamples: 100, ...gate },
  });
}

/** FP16-like rounding: scores and boxes perturbed in the 4th significant digit. */
const rounded = fp32.map((d) => ({
  ...d,
  score: Math.fround(d.score) * (1 - 1e-4),
  bbox: [d.bbox[0] * 1.0002, d.bbox[1] * 1.0002, d.bbox[2] * 1.0002, d.bbox[3] * 1.0002] as const,
}));
/** A real regression: a third of the detections are lost. */
const degraded = fp32.filter((_, i) => i % 3 !== 0);

describe("the FP16-vs-FP32 A/B gate", () => {
  it("passes identical outputs on a GPU, with a zero-width interval, and unlocks fp16", () => {
    const v = verdict(fp32);
    expect(v.passed).toBe(true);
    expect(v.unlocksFp16).toBe(true);
    expect(v.delta.map5095).toBe(0);
    expect(v.delta.ci95).toEqual([0, 0]);
  });

  it("passes rounding-level differences whose interval straddles zero", () => {
    const v = verdict(rounded);
    expect(v.passed).toBe(true);
    expect(Math.abs(v.delta.map5095)).toBeLessThan(0.5);
    expect(v.delta.ci95[0]).toBeLessThanOrEqual(v.delta.map5095);
    expect(v.delta.ci95[1]).toBeGreaterThanOrEqual(v.delta.map5095);
  });

  it("fails a drop beyond the tolerance and says by how much", () => {
    const v = verdict(degraded);
    expect(v.passed).toBe(false);
    expect(v.unlocksFp16).toBe(false);
    expect(v.delta.map5095).toBeLessThan(-0.5);
    expect(v.delta.ci95[1]).toBeLessThan(0);
    expect(v.reasons.join("\n")).toMatch(/mAP50-95 drops \d+\.\d\d points, more than the tolerance of 0\.50/);
  });

  it("accepts the same drop under a per-family tolerance that allows it", () => {
    const v = verdict(degraded, { tolerancePoints: 50 });
    expect(v.passed).toBe(true);
  });

  it("fails a set smaller than the minimum even when the numbers agree", () => {
    const v = verdict(fp32, { minImages: 1000 });
    expect(v.passed).toBe(false);
    expect(v.reasons[0]).toBe("only 520 validation images; the gate needs at least 1000");
  });

  it("applies the optional per-class gate to the worst class", () => {
    const v = verdict(degraded, { tolerancePoints: 50, maxClassDropPoints: 0.1 });
    expect(v.passed).toBe(false);
    expect(v.delta.worstClass?.points).toBeLessThan(-0.1);
    expect(v.reasons.join("\n")).toMatch(/worst per-class AP drops/);
  });

  it("never unlocks fp16 from a CPU run, even when the gate passes", () => {
    const v = verdict(fp32, {}, "emulated-on-cpu");
    expect(v.passed).toBe(true);
    expect(v.unlocksFp16).toBe(false);
    expect(v.fp16Arithmetic).toBe("emulated-on-cpu");
    expect(v.reasons.join("\n")).toMatch(/never unlocks fp16/);
  });

  it("gives the same interval for the same seed and a different one for another seed", () => {
    expect(verdict(degraded).delta.ci95).toEqual(verdict(degraded).delta.ci95);
    expect(verdict(degraded, { seed: 7 }).delta.ci95).not.toEqual(verdict(degraded).delta.ci95);
  });
});

describe("the bootstrap's resampled mAP", () => {
  it("equals pycocotools' mAP50-95 when every image is drawn exactly once", () => {
    const ev = evaluateCoco(gt, fp32);
    const once = new Int32Array(gt.imageIds.length).fill(1);
    expect(resampledMap(bootstrapTable(ev), once)).toBeCloseTo(precisionMetrics(ev).map5095, 12);
  });

  it("weights an image drawn twice like two copies of it", () => {
    const small = makeCocoCase({ seed: 5, images: 6, categories: 2, gtPerImage: 3, dtPerImage: 5 });
    const g = parseGroundTruth(small.gt);
    const d = parseDetections(small.dt, g);
    const counts = Int32Array.from([2, 0, 1, 1, 0, 2]);
    // The same multiset written out as its own ground truth: image copies get fresh ids.
    const copies: number[] = [];
    counts.forEach((c, i) => {
      for (let n = 0; n < c; n++) copies.push(i);
    });
    const dup = {
      images: copies.map((_, n) => ({ id: n + 1 })),
      categories: small.gt.categories,
      annotations: copies.flatMap((i, n) =>
        small.gt.annotations
          .filter((a) => a.image_id === g.imageIds[i])
          .map((a) => ({ ...a, id: a.id * 100 + n, image_id: n + 1 })),
      ),
    };
    const dupDt = copies.flatMap((i, n) =>
      small.dt.filter((x) => x.image_id === g.imageIds[i]).map((x) => ({ ...x, image_id: n + 1 })),
    );
    const gd = parseGroundTruth(dup);
    const expected = precisionMetrics(evaluateCoco(gd, parseDetections(dupDt, gd))).map5095;
    expect(resampledMap(bootstrapTable(evaluateCoco(g, d)), counts)).toBeCloseTo(expected, 9);
  });
});
