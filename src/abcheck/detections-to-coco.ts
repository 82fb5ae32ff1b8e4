// One image's model output to COCO results: decode, class-aware NMS, undo the letterbox, and map
// class index i to the i-th category id of the ground truth in ascending order (the order the
// fixture generator and ultralytics' COCO conversion use).
import type { CocoDetection } from "./coco-input.ts";
import { type LetterboxGeometry, unletterboxBox } from "./letterbox.ts";
import { nonMaxSuppression } from "./nms.ts";
import { decodeYolo, type YoloLayout } from "./yolo-decode.ts";

export interface PostprocessOptions {
  readonly confThreshold: number;
  readonly iouThreshold: number;
  readonly maxDet: number;
  readonly multiLabel: boolean;
}

export const DEFAULT_POSTPROCESS: PostprocessOptions = {
  confThreshold: 0.001,
  iouThreshold: 0.7,
  maxDet: 300,
  multiLabel: true,
};

export function outputToCoco(
  output: { data: ArrayLike<number>; dims: readonly number[] },
  layout: YoloLayout,
  image: { id: number; width: number; height: number; geometry: LetterboxGeometry },
  categoryIds: readonly number[],
  o: PostprocessOptions,
): CocoDetection[] {
  const candidates = decodeYolo(output.data, output.dims, layout, {
    confThreshold: o.confThreshold,
    multiLabel: o.multiLabel,
    nc: categoryIds.length,
  });
  const kept =
    layout === "end2end"
      ? candidates.sort((a, b) => b.score - a.score).slice(0, o.maxDet)
      : nonMaxSuppression(candidates, { iouThreshold: o.iouThreshold, maxDet: o.maxDet });
  const out: CocoDetection[] = [];
  for (const c of kept) {
    const categoryId = categoryIds[c.classIndex];
    if (categoryId === undefined) continue;
    const [x1, y1, x2, y2] = unletterboxBox(c.box, image.geometry, image.width, image.height);
    out.push({ imageId: image.id, categoryId, bbox: [x1, y1, x2 - x1, y2 - y1], score: c.score });
  }
  return out;
}
