// JPEG decoding for `berth validate`, with jpeg-js: pure JavaScript like pngjs (read-png.ts), so
// an install fetches no native binary (sharp would bring libvips per platform), and it is a
// long-lived, permissively licensed (BSD-3-Clause) decoder with limits on resolution and memory
// that a hostile file cannot talk it out of. Its IDCT is not libjpeg-turbo's: pixels can differ
// by a grey level from what OpenCV reads, which moves mAP far less than the FP16 gate's tolerance.
import { readFile } from "node:fs/promises";
import jpeg from "jpeg-js";
import type { RgbImage } from "../../abcheck/letterbox.ts";

/** Larger than any validation image; a bomb of a header is refused rather than allocated. */
const MAX_MEGAPIXELS = 100;
const MAX_MEMORY_MB = 1024;

export async function readJpeg(path: string): Promise<RgbImage> {
  const decoded = jpeg.decode(await readFile(path), {
    useTArray: true,
    formatAsRGBA: false,
    maxResolutionInMP: MAX_MEGAPIXELS,
    maxMemoryUsageInMB: MAX_MEMORY_MB,
  });
  return { width: decoded.width, height: decoded.height, data: decoded.data, channels: 3 };
}
