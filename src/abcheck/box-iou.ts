// Box IoU exactly as pycocotools' C `bbIou` computes it (same operations in the same order, so the
// same doubles): a crowd GT divides by the detection's area alone, and a zero-width or zero-height
// overlap is 0. Boxes are flat [x, y, w, h] arrays.

/** IoU of detection `d` (x, y, w, h) with GT `g`; `crowd` = the GT's iscrowd. */
export function cocoBoxIou(
  dx: number,
  dy: number,
  dw: number,
  dh: number,
  gx: number,
  gy: number,
  gw: number,
  gh: number,
  crowd: boolean,
): number {
  const w = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
  if (w <= 0) return 0;
  const h = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
  if (h <= 0) return 0;
  const i = w * h;
  const da = dw * dh;
  const u = crowd ? da : da + gw * gh - i;
  return i / u;
}
