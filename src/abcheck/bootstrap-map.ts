// mAP50-95 (area all, maxDets 100) of a resampled image multiset, fast enough for a thousand
// paired bootstrap draws. A draw gives each image a count; pooling `count` copies of an image's
// detections and GTs is what accumulate() would see for the resampled list. Detections are ranked
// once per category (stable, by score); copies of one detection sit next to each other, which is
// where a stable sort of the concatenated copies puts them except among exactly equal scores of
// different images (immaterial for an interval). Each copy is stepped through one at a time, so the
// precision envelope is the one pycocotools would draw.
import { type CocoEvaluation, OUTCOME_FP, OUTCOME_TP } from "./coco-evaluate.ts";
import { IOU_THRESHOLDS, MAX_DETS, RECALL_THRESHOLDS } from "./coco-params.ts";

const EPS = 2.220446049250313e-16;

interface CategoryTable {
  /** Images that have an evaluation result for this category. */
  readonly images: Int32Array;
  /** Non-ignored GTs (area all) per image of `images`, aligned. */
  readonly positives: Int32Array;
  /** Ranked detections: owning image index and outcome per IoU threshold (t * n + j). */
  readonly detImage: Int32Array;
  readonly outcome: Int8Array;
  /** Per IoU threshold, the rank of the last true positive (-1: none). */
  readonly lastTp: Int32Array;
}

export interface BootstrapTable {
  readonly imageCount: number;
  readonly categories: readonly CategoryTable[];
}

export function bootstrapTable(ev: CocoEvaluation): BootstrapTable {
  const I = ev.imageIds.length;
  const T = IOU_THRESHOLDS.length;
  const maxDet = MAX_DETS[MAX_DETS.length - 1]!;
  const categories = ev.categoryIds.map((_, k) => {
    const images: number[] = [];
    const positives: number[] = [];
    const score: number[] = [];
    const owner: number[] = [];
    const src: [number, number][] = [];
    for (let i = 0; i < I; i++) {
      const e = ev.results[k * I + i];
      if (!e) continue;
      images.push(i);
      positives.push(e.positives[0]!);
      for (let d = 0; d < Math.min(e.scores.length, maxDet); d++) {
        score.push(e.scores[d]!);
        owner.push(i);
        src.push([i, d]);
      }
    }
    const order = Array.from(score.keys()).sort((a, b) => score[b]! - score[a]!);
    const n = order.length;
    const detImage = new Int32Array(n);
    const outcome = new Int8Array(T * n);
    order.forEach((o, j) => {
      const [i, d] = src[o]!;
      const e = ev.results[k * I + i]!;
      detImage[j] = owner[o]!;
      for (let t = 0; t < T; t++) outcome[t * n + j] = e.outcomes[0]![t * e.scores.length + d]!;
    });
    const lastTp = new Int32Array(T).fill(-1);
    for (let t = 0; t < T; t++) {
      for (let j = n - 1; j >= 0; j--) {
        if (outcome[t * n + j] === OUTCOME_TP) {
          lastTp[t] = j;
          break;
        }
      }
    }
    return {
      images: Int32Array.from(images),
      positives: Int32Array.from(positives),
      detImage,
      outcome,
      lastTp,
    };
  });
  return { imageCount: I, categories };
}

/** mAP50-95 for image counts `counts[i]` (how often image i was drawn); -1 when undefined. */
export function resampledMap(table: BootstrapTable, counts: Int32Array): number {
  const T = IOU_THRESHOLDS.length;
  const R = RECALL_THRESHOLDS.length;
  let sum = 0;
  let cells = 0;
  let rc = new Float64Array(0);
  let pr = new Float64Array(0);
  for (const c of table.categories) {
    let npig = 0;
    let pooled = 0;
    for (let j = 0; j < c.images.length; j++) {
      const w = counts[c.images[j]!]!;
      npig += w * c.positives[j]!;
      pooled += w;
    }
    if (pooled === 0 || npig === 0) continue;
    const n = c.detImage.length;
    if (rc.length < npig) {
      rc = new Float64Array(npig);
      pr = new Float64Array(npig);
    }
    for (let t = 0; t < T; t++) {
      let tp = 0;
      let fp = 0;
      let events = 0;
      // Only true positives move recall, and between two of them precision only falls; so the
      // interpolated precision at every recall threshold is read off the true-positive events
      // alone (the first threshold, 0, takes the best of them, as position 0 of the full curve
      // would). False positives just add to the count. Past the last true positive nothing changes.
      const end = c.lastTp[t]! + 1;
      for (let j = 0; j < end; j++) {
        const w = counts[c.detImage[j]!]!;
        if (w === 0) continue;
        const o = c.outcome[t * n + j]!;
        if (o === OUTCOME_FP) fp += w;
        else if (o === OUTCOME_TP) {
          for (let copy = 0; copy < w; copy++) {
            tp++;
            rc[events] = tp / npig;
            pr[events] = tp / (fp + tp + EPS);
            events++;
          }
        }
      }
      for (let q = events - 1; q > 0; q--) if (pr[q]! > pr[q - 1]!) pr[q - 1] = pr[q]!;
      let pi = 0;
      for (let r = 0; r < R; r++) {
        const thr = RECALL_THRESHOLDS[r]!;
        while (pi < events && rc[pi]! < thr) pi++;
        sum += pi < events ? pr[pi]! : 0;
      }
      cells += R;
    }
  }
  return cells === 0 ? -1 : sum / cells;
}
