// Runs one detector over a validation set, streaming images (decode → letterbox → infer →
// postprocess), and measures its throughput and the process's peak resident memory meanwhile.
// The two precisions run one after the other, so each gets the whole machine for its timing.
import type { CocoDetection } from "../../abcheck/coco-input.ts";
import { outputToCoco, type PostprocessOptions } from "../../abcheck/detections-to-coco.ts";
import { letterbox, type RgbImage } from "../../abcheck/letterbox.ts";
import { detectLayout, type YoloLayout } from "../../abcheck/yolo-decode.ts";
import type { DetectorSession } from "./detector-session.ts";

export interface ValidationImage {
  readonly id: number;
  readonly path: string;
}

export interface DetectorRun {
  readonly detections: CocoDetection[];
  readonly layout: YoloLayout;
  readonly imagesPerSecond: number;
  readonly peakMemoryMB: number;
}

export async function runDetector(
  session: DetectorSession,
  images: readonly ValidationImage[],
  readImage: (path: string) => Promise<RgbImage>,
  categoryIds: readonly number[],
  post: PostprocessOptions,
  onProgress: (done: number) => void,
): Promise<DetectorRun> {
  const [, , inH, inW] = session.inputDims;
  const detections: CocoDetection[] = [];
  let layout: YoloLayout | undefined;
  let peak = process.memoryUsage().rss;
  let busyNs = 0n;
  for (let n = 0; n < images.length; n++) {
    const img = images[n]!;
    const rgb = await readImage(img.path);
    // Timed: what a deployment pays per image (preprocess, inference, decode, NMS); file reading is not.
    const t0 = process.hrtime.bigint();
    const { tensor, geometry } = letterbox(rgb, inW, inH);
    const out = await session.run(tensor);
    layout ??= detectLayout(out.dims, categoryIds.length);
    const dets = outputToCoco(
      out,
      layout,
      { id: img.id, width: rgb.width, height: rgb.height, geometry },
      categoryIds,
      post,
    );
    busyNs += process.hrtime.bigint() - t0;
    for (const d of dets) detections.push(d);
    peak = Math.max(peak, process.memoryUsage().rss);
    onProgress(n + 1);
  }
  const seconds = Number(busyNs) / 1e9;
  return {
    detections,
    layout: layout ?? "v8",
    imagesPerSecond: seconds > 0 ? images.length / seconds : 0,
    peakMemoryMB: Math.round((peak / 2 ** 20) * 10) / 10,
  };
}
