// pycocotools' COCOeval.accumulate() for bbox: per category, area range and maxDets, detections of
// all images are ranked by score (stable mergesort on -score over images in id order, so ties keep
// image order then per-image order), precision is made monotone, and sampled at the 101 recall
// thresholds with searchsorted(side='left'); a sample past the last detection stays 0. Cells with no
// evaluated image or no non-ignored GT stay -1.
//
// One ranking per category serves every area range and maxDets: the subset an area range or a
// smaller maxDets keeps is ranked in the same relative order (the sort is stable, the keys equal).
import { type CocoEvaluation, type ImageCategoryResult, OUTCOME_FP, OUTCOME_TP } from "./coco-evaluate.ts";
import { AREA_RANGES, IOU_THRESHOLDS, MAX_DETS, RECALL_THRESHOLDS } from "./coco-params.ts";

/** np.spacing(1): the gap between 1 and the next double. */
const EPS = 2.220446049250313e-16;

export interface Accumulated {
  /** precision[(((t * R + r) * K + k) * A + a) * M + m], -1 where undefined. */
  readonly precision: Float64Array;
  /** recall[((t * K + k) * A + a) * M + m], -1 where undefined. */
  readonly recall: Float64Array;
  readonly K: number;
}

export interface AccumulateOptions {
  /** Image indices to pool, in order; repeats allowed (bootstrap). Default: every image once. */
  readonly images?: ArrayLike<number>;
  /** Area-range indices to compute (default all). */
  readonly areas?: readonly number[];
  /** maxDets indices to compute (default all). */
  readonly maxDets?: readonly number[];
}

export function accumulateCoco(ev: CocoEvaluation, options: AccumulateOptions = {}): Accumulated {
  const T = IOU_THRESHOLDS.length;
  const R = RECALL_THRESHOLDS.length;
  const A = AREA_RANGES.length;
  const M = MAX_DETS.length;
  const I = ev.imageIds.length;
  const K = ev.categoryIds.length;
  const images = options.images ?? Int32Array.from({ length: I }, (_, i) => i);
  const areas = options.areas ?? [...AREA_RANGES.keys()];
  const maxDetsIdx = options.maxDets ?? [...MAX_DETS.keys()];
  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);

  for (let k = 0; k < K; k++) {
    const pooled: ImageCategoryResult[] = [];
    for (let n = 0; n < images.length; n++) {
      const e = ev.results[k * I + (images[n] as number)];
      if (e) pooled.push(e);
    }
    if (pooled.length === 0) continue;
    let total = 0;
    for (const e of pooled) total += e.scores.length;
    const score = new Float64Array(total);
    const src = new Int32Array(total); // which pooled entry
    const pos = new Int32Array(total); // position within that entry (its maxDets rank)
    let o = 0;
    pooled.forEach((e, p) => {
      for (let d = 0; d < e.scores.length; d++, o++) {
        score[o] = e.scores[d]!;
        src[o] = p;
        pos[o] = d;
      }
    });
    const order = Array.from({ length: total }, (_, i) => i);
    order.sort((x, y) => score[y]! - score[x]!);
    // Ranked, flat copies: rank[j] and outcome[(a * T + t) * total + j], so the loops below read
    // typed arrays only.
    const rank = new Int32Array(total);
    const outcome = new Int8Array(A * T * total);
    order.forEach((i, j) => {
      const e = pooled[src[i]!]!;
      const D = e.scores.length;
      const d = pos[i]!;
      rank[j] = d;
      for (const a of areas) {
        const out = e.outcomes[a]!;
        for (let t = 0; t < T; t++) outcome[(a * T + t) * total + j] = out[t * D + d]!;
      }
    });
    const rc = new Float64Array(total);
    const pr = new Float64Array(total);

    for (const a of areas) {
      let npig = 0;
      for (const e of pooled) npig += e.positives[a]!;
      if (npig === 0) continue;
      for (const m of maxDetsIdx) {
        const maxDet = MAX_DETS[m]!;
        for (let t = 0; t < T; t++) {
          const base = (a * T + t) * total;
          let tpSum = 0;
          let fpSum = 0;
          let nd = 0;
          for (let j = 0; j < total; j++) {
            if (rank[j]! >= maxDet) continue;
            const out = outcome[base + j];
            if (out === OUTCOME_TP) tpSum++;
            else if (out === OUTCOME_FP) fpSum++;
            rc[nd] = tpSum / npig;
            pr[nd] = tpSum / (fpSum + tpSum + EPS);
            nd++;
          }
          recall[((t * K + k) * A + a) * M + m] = nd ? rc[nd - 1]! : 0;
          for (let j = nd - 1; j > 0; j--) if (pr[j]! > pr[j - 1]!) pr[j - 1] = pr[j]!;
          // searchsorted(rc, recThrs, side='left'), walked with one pointer: both are ascending.
          let pi = 0;
          for (let r = 0; r < R; r++) {
            const thr = RECALL_THRESHOLDS[r]!;
            while (pi < nd && rc[pi]! < thr) pi++;
            precision[(((t * R + r) * K + k) * A + a) * M + m] = pi < nd ? pr[pi]! : 0;
          }
        }
      }
    }
  }
  return { precision, recall, K };
}
