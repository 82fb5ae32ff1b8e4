// Decoding of the three YOLO output layouts into candidate boxes (model-input pixels, x1 y1 x2 y2):
//   v8/v11      [1, 4+nc, N]  cx cy w h, then nc class scores (channel-major)
//   v5          [1, N, 5+nc]  cx cy w h, objectness, nc class scores (score = obj * cls)
//   end-to-end  [1, K, 6]     x1 y1 x2 y2 score class, already NMS-free (YOLOv10 / YOLO26 style)
// The layout is recognised from the shape and the class count of the data set; `multiLabel`
// keeps every class above the threshold for one anchor, as ultralytics' validator does.

export type YoloLayout = "v8" | "v5" | "end2end";

export interface Candidate {
  readonly box: [number, number, number, number];
  readonly score: number;
  readonly classIndex: number;
}

export class YoloLayoutError extends Error {
  readonly code = "unknown_yolo_layout";
}

/** Which layout an output of `dims` is, for a data set of `nc` classes. */
export function detectLayout(dims: readonly number[], nc: number): YoloLayout {
  if (dims.length !== 3 || dims[0] !== 1) {
    throw new YoloLayoutError(`expected a [1, a, b] detection output, got [${dims.join(", ")}]`);
  }
  const [, a, b] = dims as [number, number, number];
  // An end-to-end head and a one-class v5 head both end in 6: the end-to-end one keeps a few
  // hundred rows (max_det), a v5 head thousands of anchors.
  if (b === 6 && (a <= 1000 || nc !== 1)) return "end2end";
  if (a === 4 + nc && b > a) return "v8";
  if (b === 5 + nc) return "v5";
  throw new YoloLayoutError(
    `output [1, ${a}, ${b}] matches no YOLO layout for ${nc} classes (v8 [1, ${4 + nc}, N], v5 [1, N, ${5 + nc}], end-to-end [1, K, 6])`,
  );
}

export interface DecodeOptions {
  readonly confThreshold: number;
  readonly multiLabel: boolean;
  readonly nc: number;
}

function xywhToXyxy(cx: number, cy: number, w: number, h: number): [number, number, number, number] {
  return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
}

/** Candidates above the confidence threshold from one image's output (batch 1). */
export function decodeYolo(
  data: ArrayLike<number>,
  dims: readonly number[],
  layout: YoloLayout,
  o: DecodeOptions,
): Candidate[] {
  const out: Candidate[] = [];
  const [, a, b] = dims as [number, number, number];
  if (layout === "end2end") {
    for (let i = 0; i < a; i++) {
      const r = i * b;
      const score = data[r + 4]!;
      if (score > o.confThreshold) {
        out.push({
          box: [data[r]!, data[r + 1]!, data[r + 2]!, data[r + 3]!],
          score,
          classIndex: data[r + 5]!,
        });
      }
    }
    return out;
  }
  if (layout === "v8") {
    const n = b;
    for (let i = 0; i < n; i++) {
      let best = -1;
      let bestScore = -Infinity;
      for (let c = 0; c < o.nc; c++) {
        const s = data[(4 + c) * n + i]!;
        if (o.multiLabel) {
          if (s > o.confThreshold) out.push({ box: v8Box(data, n, i), score: s, classIndex: c });
        } else if (s > bestScore) {
          bestScore = s;
          best = c;
        }
      }
      if (!o.multiLabel && bestScore > o.confThreshold)
        out.push({ box: v8Box(data, n, i), score: bestScore, classIndex: best });
    }
    return out;
  }
  // v5: objectness gates first, as YOLOv5's own NMS does.
  const stride = b;
  for (let i = 0; i < a; i++) {
    const r = i * stride;
    const obj = data[r + 4]!;
    if (!(obj > o.confThreshold)) continue;
    let best = -1;
    let bestScore = -Infinity;
    for (let c = 0; c < o.nc; c++) {
      const s = data[r + 5 + c]! * obj;
      if (o.multiLabel) {
        if (s > o.confThreshold) {
          out.push({
            box: xywhToXyxy(data[r]!, data[r + 1]!, data[r + 2]!, data[r + 3]!),
            score: s,
            classIndex: c,
          });
        }
      } else if (s > bestScore) {
        bestScore = s;
        best = c;
      }
    }
    if (!o.multiLabel && bestScore > o.confThreshold) {
      out.push({
        box: xywhToXyxy(data[r]!, data[r + 1]!, data[r + 2]!, data[r + 3]!),
        score: bestScore,
        classIndex: best,
      });
    }
  }
  return out;
}

function v8Box(data: ArrayLike<number>, n: number, i: number): [number, number, number, number] {
  return xywhToXyxy(data[i]!, data[n + i]!, data[2 * n + i]!, data[3 * n + i]!);
}
