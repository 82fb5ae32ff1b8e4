// PNG decoding for `berth validate`. pngjs is pure JavaScript (no native binary to fetch at install
// time, unlike sharp's libvips) and PNG is lossless, so Berth and the Python cross-check see the
// very same pixels; a JPEG decoder's IDCT differs between libraries by a grey level here and there.
import { readFile } from "node:fs/promises";
import { PNG } from "pngjs";
import type { RgbImage } from "../../abcheck/letterbox.ts";

export async function readPng(path: string): Promise<RgbImage> {
  const png = PNG.sync.read(await readFile(path));
  // pngjs always expands to 8-bit RGBA.
  return {
    width: png.width,
    height: png.height,
    data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length),
    channels: 4,
  };
}
