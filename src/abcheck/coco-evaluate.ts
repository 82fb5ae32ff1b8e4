// Per image and category matching, as pycocotools' COCOeval.evaluate()/evaluateImg() do it for bbox.
// The result keeps only what accumulate() reads: detection scores in evaluation order and, per area
// range and IoU threshold, whether each detection is a true positive, a false positive or ignored,
// plus the number of non-ignored GTs. Keeping per-image results apart is also what lets the A/B
// bootstrap resample images without matching again.
import { cocoBoxIou } from "./box-iou.ts";
import type { CocoDetection, CocoGroundTruth, CocoGtAnnotation } from "./coco-input.ts";
import { AREA_RANGES, IOU_THRESHOLDS, MAX_DETS } from "./coco-params.ts";

export const OUTCOME_IGNORED = -1;
export const OUTCOME_FP = 0;
export const OUTCOME_TP = 1;

export interface ImageCategoryResult {
  /** Detections kept (at most the largest maxDets), highest score first, ties in input order. */
  readonly scores: Float64Array;
  /** outcomes[a][t * D + d]: OUTCOME_TP, OUTCOME_FP or OUTCOME_IGNORED for area range a. */
  readonly outcomes: readonly Int8Array[];
  /** Non-ignored GTs per area range (pycocotools' count of gtIgnore == 0). */
  readonly positives: readonly number[];
}

export interface CocoEvaluation {
  readonly imageIds: readonly number[];
  readonly categoryIds: readonly number[];
  /** results[k * I + i]; null where the image has neither GT nor detections of the category. */
  readonly results: readonly (ImageCategoryResult | null)[];
}

/** Stable argsort by descending score: numpy's argsort(-score, kind='mergesort'). */
export function stableOrderByScoreDesc(scores: ArrayLike<number>): number[] {
  const idx = Array.from({ length: scores.length }, (_, i) => i);
  // Array.prototype.sort is stable (ES2019), so equal scores keep their input order.
  idx.sort((a, b) => (scores[b] as number) - (scores[a] as number));
  return idx;
}

function evaluatePair(
  gts: readonly CocoGtAnnotation[],
  dtsInput: readonly CocoDetection[],
  maxDet: number,
): ImageCategoryResult {
  const dts =
    dtsInput.length <= 1
      ? dtsInput
      : stableOrderByScoreDesc(dtsInput.map((d) => d.score))
          .slice(0, maxDet)
          .map((i) => dtsInput[i]!);
  const D = dts.length;
  const G = gts.length;
  const T = IOU_THRESHOLDS.length;
  // ious[d * G + g] with GTs in their original order (pycocotools computes them before sorting GTs).
  const ious = new Float64Array(D * G);
  for (let d = 0; d < D; d++) {
    const [dx, dy, dw, dh] = dts[d]!.bbox;
    for (let g = 0; g < G; g++) {
      const gt = gts[g]!;
      const [gx, gy, gw, gh] = gt.bbox;
      ious[d * G + g] = cocoBoxIou(dx, dy, dw, dh, gx, gy, gw, gh, gt.iscrowd);
    }
  }
  const scores = Float64Array.from(dts, (d) => d.score);
  const dtArea = Float64Array.from(dts, (d) => d.bbox[2] * d.bbox[3]);
  const A = AREA_RANGES.length;
  // One buffer for all area ranges; outcomes[a] is a view of it.
  const buffer = new Int8Array(A * T * D);
  const outcomes = AREA_RANGES.map((_, a) => buffer.subarray(a * T * D, (a + 1) * T * D));
  const positives: number[] = [];
  const gtMatched = new Uint8Array(T * G);
  const dtMatchedGt = new Int32Array(T * D); // index into the sorted GT list, -1 = none
  const gtOrder = new Int32Array(G);
  const gtIg = new Uint8Array(G);
  const crowd = new Uint8Array(G);
  AREA_RANGES.forEach(([lo, hi], a) => {
    const out = outcomes[a]!;
    // GTs with ignored ones last, each group in input order: argsort(_ignore, kind='mergesort').
    let n = 0;
    for (let pass = 0; pass < 2; pass++) {
      for (let g = 0; g < G; g++) {
        const gt = gts[g]!;
        const ignore = gt.iscrowd || gt.area < lo || gt.area > hi;
        if (Number(ignore) !== pass) continue;
        gtOrder[n] = g;
        gtIg[n] = pass;
        crowd[n] = gt.iscrowd ? 1 : 0;
        n++;
      }
    }
    let npig = 0;
    for (let j = 0; j < G; j++) if (!gtIg[j]) npig++;
    positives.push(npig);
    dtMatchedGt.fill(-1);
    if (D > 0 && G > 0) {
      gtMatched.fill(0);
      for (let t = 0; t < T; t++) {
        const thr = Math.min(IOU_THRESHOLDS[t]!, 1 - 1e-10);
        for (let d = 0; d < D; d++) {
          let best = thr;
          let m = -1;
          for (let j = 0; j < G; j++) {
            if (gtMatched[t * G + j] && !crowd[j]) continue;
            // Once matched to a regular GT, stop at the first ignored one (they are sorted last).
            if (m > -1 && !gtIg[m] && gtIg[j]) break;
            const iou = ious[d * G + gtOrder[j]!]!;
            if (iou < best) continue;
            best = iou;
            m = j;
          }
          if (m === -1) continue;
          dtMatchedGt[t * D + d] = m;
          gtMatched[t * G + m] = 1;
        }
      }
    }
    for (let t = 0; t < T; t++) {
      for (let d = 0; d < D; d++) {
        const m = dtMatchedGt[t * D + d]!;
        // pycocotools stores the matched GT's *id* and tests it for truthiness, so a match to a GT
        // whose id is 0 counts as unmatched; kept for exactness.
        const matched = m !== -1 && gts[gtOrder[m]!]!.id !== 0;
        let ignored = m !== -1 && gtIg[m] === 1;
        if (!matched && (dtArea[d]! < lo || dtArea[d]! > hi)) ignored = true;
        out[t * D + d] = ignored ? OUTCOME_IGNORED : matched ? OUTCOME_TP : OUTCOME_FP;
      }
    }
  });
  return { scores, outcomes, positives };
}

/** Matches every (image, category) pair; `dts` must reference ground-truth images only. */
export function evaluateCoco(gt: CocoGroundTruth, dts: readonly CocoDetection[]): CocoEvaluation {
  const I = gt.imageIds.length;
  const K = gt.categoryIds.length;
  const imgIndex = new Map(gt.imageIds.map((id, i) => [id, i]));
  const catIndex = new Map(gt.categoryIds.map((id, k) => [id, k]));
  const gtBy = new Map<number, CocoGtAnnotation[]>();
  const dtBy = new Map<number, CocoDetection[]>();
  const push = <T>(into: Map<number, T[]>, key: number, v: T) => {
    const list = into.get(key);
    if (list) list.push(v);
    else into.set(key, [v]);
  };
  for (const a of gt.annotations) {
    const i = imgIndex.get(a.imageId);
    const k = catIndex.get(a.categoryId);
    if (i !== undefined && k !== undefined) push(gtBy, k * I + i, a);
  }
  for (const d of dts) {
    const i = imgIndex.get(d.imageId);
    const k = catIndex.get(d.categoryId);
    if (i !== undefined && k !== undefined) push(dtBy, k * I + i, d);
  }
  const results: (ImageCategoryResult | null)[] = new Array(I * K).fill(null);
  const maxDet = MAX_DETS[MAX_DETS.length - 1]!;
  const keys = new Set([...gtBy.keys(), ...dtBy.keys()]);
  for (const key of keys) results[key] = evaluatePair(gtBy.get(key) ?? [], dtBy.get(key) ?? [], maxDet);
  return { imageIds: gt.imageIds, categoryIds: gt.categoryIds, results };
}
