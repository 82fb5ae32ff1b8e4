// The constants of pycocotools' COCOeval for bbox, built the way pycocotools builds them so every
// threshold is bit-identical: `np.linspace(start, stop, num)` computes `i * ((stop - start) / (num - 1)) + start`
// and then overwrites the last element with `stop`. Writing 0.55, 0.6, … as literals would differ in
// the last bit for some thresholds, and `summarize()` looks thresholds up by exact equality.

/** numpy.linspace(start, stop, num, endpoint=True) for num > 1, bit for bit. */
export function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  const out: number[] = [];
  for (let i = 0; i < num; i++) out.push(i * step + start);
  out[num - 1] = stop;
  return out;
}

/** Python's round() for the small positive values used here: halves go to even. */
function pyRound(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** np.linspace(.5, 0.95, int(np.round((0.95 - .5) / .05)) + 1) */
export const IOU_THRESHOLDS: readonly number[] = linspace(0.5, 0.95, pyRound((0.95 - 0.5) / 0.05) + 1);
/** np.linspace(.0, 1.00, int(np.round((1.00 - .0) / .01)) + 1) */
export const RECALL_THRESHOLDS: readonly number[] = linspace(0.0, 1.0, pyRound((1.0 - 0.0) / 0.01) + 1);
export const MAX_DETS: readonly number[] = [1, 10, 100];
/** [all, small, medium, large]; both ends inclusive, as pycocotools compares `< lo or > hi`. */
export const AREA_RANGES: readonly (readonly [number, number])[] = [
  [0, 1e5 ** 2],
  [0, 32 ** 2],
  [32 ** 2, 96 ** 2],
  [96 ** 2, 1e5 ** 2],
];
export const AREA_LABELS = ["all", "small", "medium", "large"] as const;
export type AreaLabel = (typeof AREA_LABELS)[number];
