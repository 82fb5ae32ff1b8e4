// A validation image, PNG or JPEG, told apart by its first bytes (a file name's extension may lie).
import { open } from "node:fs/promises";
import type { RgbImage } from "../../abcheck/letterbox.ts";
import { readJpeg } from "./read-jpeg.ts";
import { readPng } from "./read-png.ts";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];

async function firstBytes(path: string, n: number): Promise<Uint8Array> {
  const file = await open(path);
  try {
    const buffer = new Uint8Array(n);
    const { bytesRead } = await file.read(buffer, 0, n, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

const startsWith = (bytes: Uint8Array, signature: readonly number[]) =>
  signature.every((b, i) => bytes[i] === b);

export async function readImage(path: string): Promise<RgbImage> {
  const head = await firstBytes(path, 4);
  if (startsWith(head, PNG_SIGNATURE)) return readPng(path);
  if (startsWith(head, JPEG_SIGNATURE)) return readJpeg(path);
  throw new Error(`${path} is neither PNG nor JPEG`);
}
