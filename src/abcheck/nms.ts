// Class-aware greedy non-maximum suppression, as ultralytics does it for validation: at most
// `maxCandidates` highest-scoring boxes enter (its max_nms), a box suppresses lower-scoring boxes
// of the same class whose IoU exceeds the threshold, and the best `maxDet` survivors are kept.
// Ultralytics shifts boxes by class × 7680 and runs one class-agnostic NMS; keeping classes apart
// directly is the same result without the float32 offset rounding.
import type { Candidate } from "./yolo-decode.ts";

export interface NmsOptions {
  readonly iouThreshold: number;
  readonly maxDet: number;
  readonly maxCandidates?: number;
}

function iouXyxy(a: readonly number[], b: readonly number[]): number {
  const iw = Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!);
  const ih = Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const areaA = (a[2]! - a[0]!) * (a[3]! - a[1]!);
  const areaB = (b[2]! - b[0]!) * (b[3]! - b[1]!);
  return inter / (areaA + areaB - inter);
}

/** Survivors, highest score first (ties keep input order). */
export function nonMaxSuppression(candidates: readonly Candidate[], o: NmsOptions): Candidate[] {
  const sorted = [...candidates].sort((p, q) => q.score - p.score);
  const pool = sorted.slice(0, o.maxCandidates ?? 30_000);
  const byClass = new Map<number, Candidate[]>();
  const kept: Candidate[] = [];
  for (const c of pool) {
    const same = byClass.get(c.classIndex) ?? [];
    if (same.some((k) => iouXyxy(k.box, c.box) > o.iouThreshold)) continue;
    same.push(c);
    byClass.set(c.classIndex, same);
    kept.push(c);
    if (kept.length === o.maxDet) break;
  }
  return kept;
}
