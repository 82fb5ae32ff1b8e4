// The FP16-vs-FP32 A/B gate (docs/rules.md "Mixed precision"). The point estimate of the
// mAP50-95 drop and the minimum validation-set size decide; a paired bootstrap 95% interval of the
// drop (images resampled with replacement, the same draw for both precisions, fixed seed) is
// reported beside it so a reader can tell a real regression from noise. Optional gates bound the
// mAP50, AP-small (FP16 tends to hurt tiny and low-contrast objects), worst per-class and recall
// drops. A result computed on the CPU provider measures only the rounding of weights and I/O
// (onnxruntime computes an FP16 model in FP32 there): it is labelled so and never unlocks fp16.
import { bootstrapTable, resampledMap } from "./bootstrap-map.ts";
import { accumulateCoco } from "./coco-accumulate.ts";
import { type CocoEvaluation, evaluateCoco } from "./coco-evaluate.ts";
import type { CocoDetection, CocoGroundTruth } from "./coco-input.ts";
import { categoryAp, summarizeCoco } from "./coco-summarize.ts";
import { seededRandom } from "./seeded-random.ts";

export interface GateConfig {
  /** Largest allowed mAP50-95 drop, in mAP points (0.5 = 0.005 mAP). */
  readonly tolerancePoints: number;
  readonly minImages: number;
  readonly bootstrapSamples: number;
  readonly seed: number;
  readonly maxMap50DropPoints?: number;
  readonly maxApSmallDropPoints?: number;
  readonly maxClassDropPoints?: number;
  readonly maxRecallDropPoints?: number;
}

export const DEFAULT_GATE: GateConfig = {
  tolerancePoints: 0.5,
  minImages: 500,
  bootstrapSamples: 1000,
  seed: 20_240_601,
};

export interface PrecisionMetrics {
  /** Fractions in [0, 1] (or -1 where undefined), as pycocotools reports them. */
  readonly map5095: number;
  readonly map50: number;
  readonly apSmall: number;
  /** AR@100 over IoU 0.50:0.95. */
  readonly recall: number;
  readonly stats: number[];
  readonly perClass: { categoryId: number; ap: number }[];
}

export function precisionMetrics(ev: CocoEvaluation): PrecisionMetrics {
  const acc = accumulateCoco(ev);
  const stats = summarizeCoco(acc);
  return {
    map5095: stats[0]!,
    map50: stats[1]!,
    apSmall: stats[3]!,
    recall: stats[8]!,
    stats,
    perClass: ev.categoryIds.map((categoryId, k) => ({ categoryId, ap: categoryAp(acc, k) })),
  };
}

export type Fp16Arithmetic = "gpu" | "emulated-on-cpu";

export interface AbDelta {
  /** fp16 − fp32 in mAP points (×100); negative is a drop. */
  readonly map5095: number;
  readonly map50: number;
  readonly apSmall: number;
  readonly recall: number;
  readonly worstClass: { categoryId: number; points: number } | null;
  /** Paired bootstrap 95% interval of the mAP50-95 delta, in points. */
  readonly ci95: [number, number];
}

export interface AbVerdict {
  readonly delta: AbDelta;
  readonly passed: boolean;
  readonly reasons: string[];
  readonly fp16Arithmetic: Fp16Arithmetic;
  /** Whether this result may unlock fp16 at promotion: passed and measured with GPU arithmetic. */
  readonly unlocksFp16: boolean;
}

const points = (a: number, b: number) => (a < 0 || b < 0 ? 0 : (a - b) * 100);
const fmt = (x: number) => x.toFixed(2);

/** numpy.percentile's default (linear) interpolation on sorted values. */
function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Paired bootstrap of the mAP50-95 delta (points): both evaluations see the same resampled images. */
export function bootstrapDeltaCi(
  fp32: CocoEvaluation,
  fp16: CocoEvaluation,
  samples: number,
  seed: number,
): [number, number] {
  const n = fp32.imageIds.length;
  if (n === 0 || samples <= 0) return [0, 0];
  const t32 = bootstrapTable(fp32);
  const t16 = bootstrapTable(fp16);
  const rnd = seededRandom(seed);
  const draws = new Float64Array(samples);
  const counts = new Int32Array(n);
  for (let s = 0; s < samples; s++) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[Math.floor(rnd() * n)]!++;
    draws[s] = points(resampledMap(t16, counts), resampledMap(t32, counts));
  }
  draws.sort();
  return [percentile(draws, 0.025), percentile(draws, 0.975)];
}

export interface AbInput {
  readonly fp32: CocoEvaluation;
  readonly fp16: CocoEvaluation;
  readonly fp32Metrics: PrecisionMetrics;
  readonly fp16Metrics: PrecisionMetrics;
  readonly images: number;
  readonly fp16Arithmetic: Fp16Arithmetic;
  readonly gate: GateConfig;
}

export function abVerdict(input: AbInput): AbVerdict {
  const { fp32Metrics: a, fp16Metrics: b, gate } = input;
  let worstClass: AbDelta["worstClass"] = null;
  a.perClass.forEach((c, k) => {
    const other = b.perClass[k]!;
    if (c.ap < 0 || other.ap < 0) return;
    const d = points(other.ap, c.ap);
    if (!worstClass || d < worstClass.points) worstClass = { categoryId: c.categoryId, points: d };
  });
  const delta: AbDelta = {
    map5095: points(b.map5095, a.map5095),
    map50: points(b.map50, a.map50),
    apSmall: points(b.apSmall, a.apSmall),
    recall: points(b.recall, a.recall),
    worstClass,
    ci95: bootstrapDeltaCi(input.fp32, input.fp16, gate.bootstrapSamples, gate.seed),
  };
  const reasons: string[] = [];
  let passed = true;
  const fail = (why: string) => {
    passed = false;
    reasons.push(why);
  };
  if (input.images < gate.minImages) {
    fail(`only ${input.images} validation images; the gate needs at least ${gate.minImages}`);
  }
  const drop = -delta.map5095;
  if (drop > gate.tolerancePoints) {
    fail(`mAP50-95 drops ${fmt(drop)} points, more than the tolerance of ${fmt(gate.tolerancePoints)}`);
  } else {
    reasons.push(
      `mAP50-95 delta ${fmt(delta.map5095)} points is within the tolerance of ${fmt(gate.tolerancePoints)}`,
    );
  }
  const optional: [number | undefined, number, string][] = [
    [gate.maxMap50DropPoints, -delta.map50, "mAP50"],
    [gate.maxApSmallDropPoints, -delta.apSmall, "AP-small"],
    [
      gate.maxClassDropPoints,
      worstClass ? -(worstClass as { points: number }).points : 0,
      "worst per-class AP",
    ],
    [gate.maxRecallDropPoints, -delta.recall, "recall"],
  ];
  for (const [limit, d, name] of optional) {
    if (limit !== undefined && d > limit) fail(`${name} drops ${fmt(d)} points, more than ${fmt(limit)}`);
  }
  const [lo, hi] = delta.ci95;
  reasons.push(
    `bootstrap 95% interval of the delta [${fmt(lo)}, ${fmt(hi)}] points (${gate.bootstrapSamples} paired resamples, seed ${gate.seed}): ${lo <= 0 && hi >= 0 ? "the difference is within noise" : "the difference is beyond noise"}`,
  );
  if (input.fp16Arithmetic === "emulated-on-cpu") {
    reasons.push(
      "CPU provider: onnxruntime computes the FP16 model in FP32, so this measures weight and I/O rounding only; it never unlocks fp16",
    );
  }
  return {
    delta,
    passed,
    reasons,
    fp16Arithmetic: input.fp16Arithmetic,
    unlocksFp16: passed && input.fp16Arithmetic === "gpu",
  };
}

/** Scores both precisions' detections against the ground truth and judges them: the whole A/B check. */
export function runAbCheck(
  gt: CocoGroundTruth,
  fp32: readonly CocoDetection[],
  fp16: readonly CocoDetection[],
  fp16Arithmetic: Fp16Arithmetic,
  gate: GateConfig,
): { fp32Metrics: PrecisionMetrics; fp16Metrics: PrecisionMetrics; verdict: AbVerdict } {
  const e32 = evaluateCoco(gt, fp32);
  const e16 = evaluateCoco(gt, fp16);
  const fp32Metrics = precisionMetrics(e32);
  const fp16Metrics = precisionMetrics(e16);
  const verdict = abVerdict({
    fp32: e32,
    fp16: e16,
    fp32Metrics,
    fp16Metrics,
    images: gt.imageIds.length,
    fp16Arithmetic,
    gate,
  });
  return { fp32Metrics, fp16Metrics, verdict };
}
