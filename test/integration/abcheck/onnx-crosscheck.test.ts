// Cross-check on the committed fixtures (a real YOLOv8-architecture detector trained on the
// synthetic shapes set): Berth's onnxruntime-node pipeline against Python onnxruntime with an
// independent numpy decode + NMS, and Berth's mAP against pycocotools on the same detections.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CocoDetection, parseDetections, parseGroundTruth } from "../../../src/abcheck/coco-input.ts";
import { cocoMap } from "../../../src/abcheck/coco-summarize.ts";
import { DEFAULT_POSTPROCESS, outputToCoco } from "../../../src/abcheck/detections-to-coco.ts";
import { letterbox } from "../../../src/abcheck/letterbox.ts";
import { detectLayout } from "../../../src/abcheck/yolo-decode.ts";
import { readPng } from "../../../src/adapters/images/read-png.ts";
import { type DetectorSession, openDetector } from "../../../src/adapters/onnx/detector-session.ts";
import { runPython } from "./python-venv.ts";

const FIXTURES = join(import.meta.dirname, "../../fixtures/yolo");
const VAL = join(FIXTURES, "val");
const dir = mkdtempSync(join(tmpdir(), "berth-crosscheck-"));
const gt = parseGroundTruth(JSON.parse(readFileSync(join(VAL, "annotations.json"), "utf8")));
const SAMPLE = gt.imageIds.slice(0, 40);

let v8: DetectorSession;
beforeAll(async () => {
  v8 = await openDetector(join(FIXTURES, "shapes-v8-fp32.onnx"), { provider: "cpu", threads: 1 });
});
afterAll(async () => {
  await v8.release();
});

async function berthOn(session: DetectorSession, ids: readonly number[]) {
  const [, , h, w] = session.inputDims;
  const inputs: Float32Array[] = [];
  const raws: Float32Array[] = [];
  const dets: CocoDetection[] = [];
  const meta = [];
  for (const id of ids) {
    const img = await readPng(join(VAL, "images", gt.fileNames.get(id)!));
    const { tensor, geometry } = letterbox(img, w, h);
    const out = await session.run(tensor);
    inputs.push(tensor);
    raws.push(out.data);
    const layout = detectLayout(out.dims, gt.categoryIds.length);
    const image = { id, width: img.width, height: img.height, geometry };
    dets.push(...outputToCoco(out, layout, image, gt.categoryIds, DEFAULT_POSTPROCESS));
    meta.push({ id, width: img.width, height: img.height, ...geometry, categoryIds: gt.categoryIds });
  }
  return { inputs, raws, dets, meta };
}

describe("Berth's YOLO pipeline against Python onnxruntime", () => {
  it("gives the same raw outputs and the same detections within float tolerance", async () => {
    const ours = await berthOn(v8, SAMPLE);
    const inputsPath = join(dir, "inputs.f32");
    const metaPath = join(dir, "meta.json");
    const rawPath = join(dir, "raw.f32");
    writeFileSync(
      inputsPath,
      Buffer.concat(ours.inputs.map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength))),
    );
    writeFileSync(
      metaPath,
      JSON.stringify({
        conf: DEFAULT_POSTPROCESS.confThreshold,
        iou: DEFAULT_POSTPROCESS.iouThreshold,
        maxDet: DEFAULT_POSTPROCESS.maxDet,
        images: ours.meta,
      }),
    );
    const ref = JSON.parse(
      runPython(join(import.meta.dirname, "ort-reference.py"), [
        join(FIXTURES, "shapes-v8-fp32.onnx"),
        inputsPath,
        metaPath,
        rawPath,
      ]),
    ) as { image_id: number; category_id: number; bbox: number[]; score: number }[];
    const refRaw = new Float32Array(readFileSync(rawPath).buffer.slice(0));
    const ourRaw = Float32Array.from(ours.raws.flatMap((r) => Array.from(r)));
    expect(ourRaw.length).toBe(refRaw.length);
    let maxDiff = 0;
    for (let i = 0; i < ourRaw.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ourRaw[i]! - refRaw[i]!));
    expect(maxDiff).toBeLessThan(1e-3);

    expect(ours.dets.length).toBeGreaterThan(SAMPLE.length);
    // Same detections: each reference detection has a partner with the same image and class, a box
    // within 1e-3 px and a score within 1e-5 (order among near-equal scores may differ by an ulp).
    expect(ours.dets.length).toBe(ref.length);
    const unmatched = [...ours.dets];
    let missing = 0;
    for (const r of ref) {
      const i = unmatched.findIndex(
        (d) =>
          d.imageId === r.image_id &&
          d.categoryId === r.category_id &&
          Math.abs(d.score - r.score) < 1e-5 &&
          d.bbox.every((v, j) => Math.abs(v - r.bbox[j]!) < 1e-3),
      );
      if (i < 0) missing++;
      else unmatched.splice(i, 1);
    }
    expect(missing).toBe(0);
  });

  it("decodes the YOLOv5-layout and end-to-end exports of the same weights to the same detections", async () => {
    // The v5 variant keeps float32 I/O around the FP16-rounded weights: compare it with the FP16
    // model. The end-to-end export is FP32: compare it with the FP32 v8 model.
    const open = (name: string) => openDetector(join(FIXTURES, name), { provider: "cpu", threads: 1 });
    const [fp16, v5, e2e] = await Promise.all([
      open("shapes-v8-fp16.onnx"),
      open("shapes-v5-fp16w.onnx"),
      open("shapes-e2e-fp32.onnx"),
    ]);
    const ids = SAMPLE.slice(0, 10);
    const [a, b, c, d32] = [
      await berthOn(fp16, ids),
      await berthOn(v5, ids),
      await berthOn(e2e, ids),
      await berthOn(v8, ids),
    ];
    await Promise.all([fp16.release(), v5.release(), e2e.release()]);
    expect(detectLayout([1, 525, 8], 3)).toBe("v5");
    // objectness × (class / objectness) = the v8 score up to rounding: compare the confident ones.
    const confident = (ds: CocoDetection[]) => ds.filter((d) => d.score > 0.05);
    const [x, y] = [confident(a.dets), confident(b.dets)];
    expect(x.length).toBeGreaterThan(10);
    expect(y.length).toBe(x.length);
    x.forEach((d, i) => {
      expect(y[i]!.categoryId).toBe(d.categoryId);
      expect(Math.abs(y[i]!.score - d.score)).toBeLessThan(2e-3);
      d.bbox.forEach((v, j) => {
        expect(Math.abs(v - y[i]!.bbox[j]!)).toBeLessThan(0.1);
      });
    });
    // The end-to-end head did its own NMS: its best box per image is the v8 pipeline's best box.
    for (const id of ids) {
      const best = (ds: CocoDetection[]) => ds.filter((d) => d.imageId === id)[0];
      const [p, q] = [best(d32.dets), best(c.dets)];
      if (!p) continue;
      expect(q?.categoryId).toBe(p.categoryId);
      expect(Math.abs(q!.score - p.score)).toBeLessThan(1e-4);
      p.bbox.forEach((v, j) => {
        expect(Math.abs(v - q!.bbox[j]!)).toBeLessThan(0.01);
      });
    }
  });

  it("scores Berth's detections on the whole validation set exactly as pycocotools does", async () => {
    const all = await berthOn(v8, gt.imageIds);
    const dtPath = join(dir, "dt.json");
    writeFileSync(
      dtPath,
      JSON.stringify(
        all.dets.map((d) => ({
          image_id: d.imageId,
          category_id: d.categoryId,
          bbox: d.bbox,
          score: d.score,
        })),
      ),
    );
    const reference = JSON.parse(
      runPython(join(import.meta.dirname, "pycocotools-eval.py"), [join(VAL, "annotations.json"), dtPath]),
    ) as { stats: number[] };
    const ours = cocoMap(gt, parseDetections(JSON.parse(readFileSync(dtPath, "utf8")), gt));
    ours.stats.forEach((v, i) => {
      expect(Math.abs(v - reference.stats[i]!), `stat ${i}`).toBeLessThanOrEqual(1e-9);
    });
    // The fixture model has learned something: a real, non-trivial mAP.
    expect(ours.stats[0]).toBeGreaterThan(0.2);
  });
});
