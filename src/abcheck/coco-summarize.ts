// pycocotools' COCOeval.summarize(): the 12 standard numbers, each the mean of the defined (> -1)
// cells of its slice, or -1 when none is defined. IoU thresholds are looked up by exact equality,
// as `np.where(iouThr == p.iouThrs)` does.
import type { Accumulated } from "./coco-accumulate.ts";
import { accumulateCoco } from "./coco-accumulate.ts";
import { evaluateCoco } from "./coco-evaluate.ts";
import type { CocoDetection, CocoGroundTruth } from "./coco-input.ts";
import { AREA_LABELS, type AreaLabel, IOU_THRESHOLDS, MAX_DETS, RECALL_THRESHOLDS } from "./coco-params.ts";

function meanDefined(values: Iterable<number>): number {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (v > -1) {
      sum += v;
      n++;
    }
  }
  return n === 0 ? -1 : sum / n;
}

function* slice(
  acc: Accumulated,
  ap: boolean,
  iouThr: number | undefined,
  area: AreaLabel,
  maxDets: number,
  category?: number,
): Generator<number> {
  const T = IOU_THRESHOLDS.length;
  const R = RECALL_THRESHOLDS.length;
  const A = AREA_LABELS.length;
  const M = MAX_DETS.length;
  const { K } = acc;
  const a = AREA_LABELS.indexOf(area);
  const m = MAX_DETS.indexOf(maxDets);
  if (m < 0) return;
  for (let t = 0; t < T; t++) {
    if (iouThr !== undefined && IOU_THRESHOLDS[t] !== iouThr) continue;
    for (let k = 0; k < K; k++) {
      if (category !== undefined && k !== category) continue;
      if (ap) {
        for (let r = 0; r < R; r++) yield acc.precision[(((t * R + r) * K + k) * A + a) * M + m]!;
      } else {
        yield acc.recall[((t * K + k) * A + a) * M + m]!;
      }
    }
  }
}

/** One summary number, as `_summarize(ap, iouThr, areaRng, maxDets)`. */
export function summaryStat(
  acc: Accumulated,
  ap: boolean,
  iouThr: number | undefined,
  area: AreaLabel,
  maxDets: number,
): number {
  return meanDefined(slice(acc, ap, iouThr, area, maxDets));
}

/** The 12 stats in summarize()'s order: AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl. */
export function summarizeCoco(acc: Accumulated): number[] {
  const top = MAX_DETS[2]!;
  return [
    summaryStat(acc, true, undefined, "all", top),
    summaryStat(acc, true, 0.5, "all", top),
    summaryStat(acc, true, 0.75, "all", top),
    summaryStat(acc, true, undefined, "small", top),
    summaryStat(acc, true, undefined, "medium", top),
    summaryStat(acc, true, undefined, "large", top),
    summaryStat(acc, false, undefined, "all", MAX_DETS[0]!),
    summaryStat(acc, false, undefined, "all", MAX_DETS[1]!),
    summaryStat(acc, false, undefined, "all", top),
    summaryStat(acc, false, undefined, "small", top),
    summaryStat(acc, false, undefined, "medium", top),
    summaryStat(acc, false, undefined, "large", top),
  ];
}

/** AP of one category over all IoU thresholds, area "all", maxDets 100 (-1 when undefined). */
export function categoryAp(acc: Accumulated, k: number, iouThr?: number): number {
  return meanDefined(slice(acc, true, iouThr, "all", MAX_DETS[2]!, k));
}

export interface MapResult {
  readonly stats: number[];
  readonly perCategory: { categoryId: number; ap: number }[];
}

/** `berth map`: ground truth + detections in, pycocotools' numbers out. */
export function cocoMap(gt: CocoGroundTruth, dts: readonly CocoDetection[]): MapResult {
  const acc = accumulateCoco(evaluateCoco(gt, dts));
  return {
    stats: summarizeCoco(acc),
    perCategory: gt.categoryIds.map((categoryId, k) => ({ categoryId, ap: categoryAp(acc, k) })),
  };
}
