// Real GPU evidence: ultralytics trained the fixture detector with AMP on an NVIDIA
// H200 (compute capability 9.0) and validated it with half=True and half=False; both COCO
// prediction sets were committed (test/fixtures/yolo/gpu/, made by test/fixtures/gpu-evidence.py).
// Here Berth's evaluator scores them, pycocotools agrees, and the gate judges GPU FP16 arithmetic.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { DEFAULT_GATE, precisionMetrics, runAbCheck } from "../../../src/abcheck/ab-verdict.ts";
import { evaluateCoco } from "../../../src/abcheck/coco-evaluate.ts";
import { parseDetections, parseGroundTruth } from "../../../src/abcheck/coco-input.ts";
import { runPython } from "./python-venv.ts";

const FIXTURES = join(import.meta.dirname, "../../fixtures/yolo");
const annotations = join(FIXTURES, "val/annotations.json");
const gt = parseGroundTruth(JSON.parse(readFileSync(annotations, "utf8")));
const load = (name: string) =>
  JSON.parse(gunzipSync(readFileSync(join(FIXTURES, "gpu", name))).toString("utf8"));
const raw32 = load("gpu-fp32-predictions.json.gz");
const raw16 = load("gpu-fp16-predictions.json.gz");
const summary = JSON.parse(readFileSync(join(FIXTURES, "gpu/gpu-summary.json"), "utf8"));

describe("GPU FP16 vs FP32 predictions from ultralytics on an H200", () => {
  it("come from a compute-capability 9.0 GPU with AMP training", () => {
    expect(summary).toMatchObject({ gpu: "NVIDIA H200", computeCapability: "9.0", amp: true });
  });

  it("pass Berth's gate with GPU arithmetic, so they may unlock fp16", () => {
    const { fp32Metrics: m32, verdict: v } = runAbCheck(
      gt,
      parseDetections(raw32, gt),
      parseDetections(raw16, gt),
      "gpu",
      {
        ...DEFAULT_GATE,
        bootstrapSamples: 300,
      },
    );
    expect(m32.map5095).toBeGreaterThan(0.4);
    expect(v.passed).toBe(true);
    expect(v.unlocksFp16).toBe(true);
    expect(Math.abs(v.delta.map5095)).toBeLessThan(0.5);
    expect(v.delta.ci95[0]).toBeLessThanOrEqual(v.delta.map5095);
    expect(v.delta.ci95[1]).toBeGreaterThanOrEqual(v.delta.map5095);
    // FP16 really changed something: the two prediction sets are not identical.
    expect(JSON.stringify(raw16)).not.toBe(JSON.stringify(raw32));
  });

  it("are scored by Berth exactly as pycocotools scores them", () => {
    const dir = mkdtempSync(join(tmpdir(), "berth-gpu-"));
    for (const [name, raw] of [
      ["fp32", raw32],
      ["fp16", raw16],
    ] as const) {
      const path = join(dir, `${name}.json`);
      writeFileSync(path, JSON.stringify(raw));
      const reference = JSON.parse(
        runPython(join(import.meta.dirname, "pycocotools-eval.py"), [annotations, path]),
      ) as {
        stats: number[];
      };
      const ours = precisionMetrics(evaluateCoco(gt, parseDetections(raw, gt))).stats;
      ours.forEach((v, i) => {
        expect(Math.abs(v - reference.stats[i]!), `${name} stat ${i}`).toBeLessThanOrEqual(1e-9);
      });
    }
  });
});
