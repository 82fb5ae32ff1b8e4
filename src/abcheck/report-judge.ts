// Berth's own verdict on an A/B report, whoever ran it: the numbers are read from the report (the
// whole one `berth validate` writes, or the compact summary a validation pod leaves in its
// termination message) and judged here by the default gate; the `passed` a report carries is
// never read. Whether the FP16 side ran on GPU arithmetic is the caller's to say: it knows where
// the run happened (a local CPU process, a GPU pool, an admin's import).
import { DEFAULT_GATE, type Fp16Arithmetic } from "./ab-verdict.ts";

export interface AbNumbers {
  readonly images: number;
  readonly provider: string;
  /** mAP50-95 of each precision, fractions in [0, 1]. */
  readonly fp32Map5095: number;
  readonly fp16Map5095: number;
}

export interface AbJudgement {
  readonly state: "passed" | "failed";
  readonly reasons: string[];
  readonly unlocksFp16: boolean;
  /** fp16 − fp32 mAP50-95, in points. */
  readonly deltaPoints: number;
}

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const field = (o: unknown, key: string): unknown =>
  typeof o === "object" && o !== null ? (o as Record<string, unknown>)[key] : undefined;

/**
 * The numbers of a whole report (`fp32.map5095`) or of a summary (`map5095.fp32`); a string says
 * what is missing when neither shape is there.
 */
export function abNumbers(report: unknown): AbNumbers | string {
  const images = field(report, "images");
  const provider = field(report, "provider");
  const fp32 = field(field(report, "fp32"), "map5095") ?? field(field(report, "map5095"), "fp32");
  const fp16 = field(field(report, "fp16"), "map5095") ?? field(field(report, "map5095"), "fp16");
  if (!isNumber(images) || images < 0) return "the report has no image count";
  if (typeof provider !== "string") return "the report names no provider";
  if (!isNumber(fp32) || !isNumber(fp16)) return "the report has no mAP50-95 for both precisions";
  return { images, provider, fp32Map5095: fp32, fp16Map5095: fp16 };
}

/** The default gate: the mAP50-95 drop at most 0.5 points, over at least 500 images. */
export function judgeAbNumbers(n: AbNumbers, arithmetic: Fp16Arithmetic): AbJudgement {
  const { tolerancePoints, minImages } = DEFAULT_GATE;
  // As the gate itself counts it (ab-verdict.ts): an undefined mAP (-1) is no difference.
  const deltaPoints = n.fp32Map5095 < 0 || n.fp16Map5095 < 0 ? 0 : (n.fp16Map5095 - n.fp32Map5095) * 100;
  const reasons: string[] = [];
  if (n.images < minImages)
    reasons.push(`only ${n.images} validation images; the gate needs at least ${minImages}`);
  if (-deltaPoints > tolerancePoints)
    reasons.push(
      `mAP50-95 drops ${(-deltaPoints).toFixed(2)} points, more than the tolerance of ${tolerancePoints.toFixed(2)}`,
    );
  const passed = reasons.length === 0;
  if (arithmetic !== "gpu")
    reasons.push("FP16 was emulated on the CPU (computed in FP32): this result never unlocks fp16");
  return {
    state: passed ? "passed" : "failed",
    reasons,
    unlocksFp16: passed && arithmetic === "gpu",
    deltaPoints,
  };
}
