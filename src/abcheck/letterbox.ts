// Ultralytics-compatible letterbox: scale the RGB image to fit the model input keeping its aspect
// ratio (upscaling allowed, as ultralytics' validator does), centre it, pad with grey 114, and
// emit a CHW float tensor in [0, 1]. Rounding follows ultralytics: Python's round() (halves to
// even) for the resized size and `round(d ∓ 0.1)` for the top/left and bottom/right pads.
//
// Resampling is bilinear with OpenCV's pixel-centre convention (src = (dst + 0.5) * scale - 0.5,
// clamped at the edges). OpenCV computes 8-bit INTER_LINEAR in 11-bit fixed point; we use doubles
// and round to 8 bits, so a pixel may differ by one grey level from cv2.resize: the cross-check
// against Python runs on the same resampled input, and the mAP effect is far below the gate.

export const PAD_VALUE = 114;

/** Python 3 round(): ties go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

export interface LetterboxGeometry {
  /** Scale from original pixels to model-input pixels. */
  readonly gain: number;
  readonly newWidth: number;
  readonly newHeight: number;
  readonly padLeft: number;
  readonly padTop: number;
}

/** Where an image of `width`×`height` lands in a `inW`×`inH` input. */
export function letterboxGeometry(
  width: number,
  height: number,
  inW: number,
  inH: number,
): LetterboxGeometry {
  const gain = Math.min(inH / height, inW / width);
  const newWidth = roundHalfEven(width * gain);
  const newHeight = roundHalfEven(height * gain);
  const dw = (inW - newWidth) / 2;
  const dh = (inH - newHeight) / 2;
  return { gain, newWidth, newHeight, padLeft: roundHalfEven(dw - 0.1), padTop: roundHalfEven(dh - 0.1) };
}

export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** Interleaved RGB (3 bytes per pixel) or RGBA (4), row-major. */
  readonly data: Uint8Array;
  readonly channels: 3 | 4;
}

function axisTaps(dst: number, src: number): { i0: Int32Array; i1: Int32Array; w1: Float64Array } {
  const scale = src / dst;
  const i0 = new Int32Array(dst);
  const i1 = new Int32Array(dst);
  const w1 = new Float64Array(dst);
  for (let d = 0; d < dst; d++) {
    let s = (d + 0.5) * scale - 0.5;
    if (s < 0) s = 0;
    let lo = Math.floor(s);
    let f = s - lo;
    if (lo >= src - 1) {
      lo = src - 1;
      f = 0;
    }
    i0[d] = lo;
    i1[d] = Math.min(lo + 1, src - 1);
    w1[d] = f;
  }
  return { i0, i1, w1 };
}

/** The letterboxed CHW tensor (values /255) for a model input of `inW`×`inH`. */
export function letterbox(
  img: RgbImage,
  inW: number,
  inH: number,
): { tensor: Float32Array; geometry: LetterboxGeometry } {
  const geometry = letterboxGeometry(img.width, img.height, inW, inH);
  const { newWidth, newHeight, padLeft, padTop } = geometry;
  const plane = inW * inH;
  const tensor = new Float32Array(3 * plane).fill(PAD_VALUE / 255);
  const same = newWidth === img.width && newHeight === img.height;
  const xs = axisTaps(newWidth, img.width);
  const ys = axisTaps(newHeight, img.height);
  const ch = img.channels;
  const rowStride = img.width * ch;
  for (let y = 0; y < newHeight; y++) {
    const r0 = ys.i0[y]! * rowStride;
    const r1 = ys.i1[y]! * rowStride;
    const fy = ys.w1[y]!;
    const out = (y + padTop) * inW + padLeft;
    for (let x = 0; x < newWidth; x++) {
      for (let c = 0; c < 3; c++) {
        let v: number;
        if (same) {
          v = img.data[y * rowStride + x * ch + c]!;
        } else {
          const c0 = xs.i0[x]! * ch + c;
          const c1 = xs.i1[x]! * ch + c;
          const fx = xs.w1[x]!;
          const top = img.data[r0 + c0]! * (1 - fx) + img.data[r0 + c1]! * fx;
          const bottom = img.data[r1 + c0]! * (1 - fx) + img.data[r1 + c1]! * fx;
          v = Math.round(top * (1 - fy) + bottom * fy);
        }
        tensor[c * plane + out + x] = v / 255;
      }
    }
  }
  return { tensor, geometry };
}

/** Maps a box in model-input pixels (x1, y1, x2, y2) back to the original image, clipped to it. */
export function unletterboxBox(
  box: readonly [number, number, number, number],
  g: LetterboxGeometry,
  width: number,
  height: number,
): [number, number, number, number] {
  const clip = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  return [
    clip((box[0] - g.padLeft) / g.gain, width),
    clip((box[1] - g.padTop) / g.gain, height),
    clip((box[2] - g.padLeft) / g.gain, width),
    clip((box[3] - g.padTop) / g.gain, height),
  ];
}
