import { describe, expect, it } from "vitest";
import {
  letterbox,
  letterboxGeometry,
  roundHalfEven,
  unletterboxBox,
} from "../../../src/abcheck/letterbox.ts";

describe("letterbox geometry", () => {
  it.each([
    // [w, h, input] -> resized size and top/left pads, as ultralytics' LetterBox(auto=False) gives them
    [640, 480, 640, { newWidth: 640, newHeight: 480, padLeft: 0, padTop: 80 }],
    [160, 120, 160, { newWidth: 160, newHeight: 120, padLeft: 0, padTop: 20 }],
    [128, 160, 160, { newWidth: 128, newHeight: 160, padLeft: 16, padTop: 0 }],
    [192, 144, 160, { newWidth: 160, newHeight: 120, padLeft: 0, padTop: 20 }],
    // an odd pad splits as round(dh - 0.1) on top and round(dh + 0.1) below: 1 above, 2 below
    [100, 97, 100, { newWidth: 100, newHeight: 97, padLeft: 0, padTop: 1 }],
  ])("places a %ix%i image in a %i input", (w, h, size, expected) => {
    expect(letterboxGeometry(w, h, size, size)).toMatchObject(expected);
  });

  it("rounds halves to even like Python 3", () => {
    expect([0.5, 1.5, 2.5, 3.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 4, 2, 3]);
  });

  it("maps a box back to original pixels and clips it to the image", () => {
    const g = letterboxGeometry(192, 144, 160, 160); // gain 5/6, 20 px on top
    expect(unletterboxBox([0, 20, 80, 70], g, 192, 144)).toEqual([0, 0, 96, 60]);
    expect(unletterboxBox([-5, 0, 170, 200], g, 192, 144)).toEqual([0, 0, 192, 144]);
  });
});

describe("letterbox pixels", () => {
  it("pads with grey 114, keeps RGB order as planes, and scales values to [0, 1]", () => {
    // A 2x1 image: a red and a blue pixel, into a 2x2 input: one row of image, one of padding.
    const img = { width: 2, height: 1, channels: 3 as const, data: new Uint8Array([255, 0, 0, 0, 0, 255]) };
    const { tensor } = letterbox(img, 2, 2);
    const plane = (c: number) => Array.from(tensor.slice(c * 4, c * 4 + 4));
    const grey = Math.fround(114 / 255);
    // pad top = round(0.5 - 0.1) = 0, so the image is the first row
    expect(plane(0)).toEqual([1, 0, grey, grey]);
    expect(plane(1)).toEqual([0, 0, grey, grey]);
    expect(plane(2)).toEqual([0, 1, grey, grey]);
  });

  it("resamples with pixel-centre bilinear weights when scaling", () => {
    // 4x2 ramp 0, 100, 200, 255 (both rows) down to 2x1: centres fall between pixel pairs.
    const row = [0, 0, 0, 100, 100, 100, 200, 200, 200, 255, 255, 255];
    const img = { width: 4, height: 2, channels: 3 as const, data: new Uint8Array([...row, ...row]) };
    const { tensor } = letterbox(img, 2, 2);
    expect(Array.from(tensor.slice(0, 2)).map((v) => Math.round(v * 255))).toEqual([50, 228]);
  });
});
