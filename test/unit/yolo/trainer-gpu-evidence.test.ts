// Evidence recorded once on an NVIDIA H200 by test/fixtures/gpu-trainer-evidence.py (never by CI):
// Berth's trainer script, preempted mid-epoch by SIGTERM, checkpointed and exited 143; run again
// with the same arguments it resumed, trained every epoch (the interrupted one again) and exported
// FP32 and FP16 ONNX; and the same weights validated in FP16 needed about half the GPU memory of
// FP32, each measured in its own process. This test holds the recorded run to those claims.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const evidence = JSON.parse(
  readFileSync(join(import.meta.dirname, "../../fixtures/yolo/gpu/trainer-evidence.json"), "utf8"),
);

describe("the trainer on a GPU (recorded evidence)", () => {
  it("ran on a tensor-core GPU", () => {
    expect(evidence.gpu).toBe("NVIDIA H200");
    expect(Number(evidence.computeCapability)).toBeGreaterThanOrEqual(7);
  });

  it("checkpoints on SIGTERM mid-epoch and exits 143", () => {
    const p = evidence.preemption;
    expect(p.firstExitCode).toBe(143);
    expect(p.firstSaidSaved).toBe(true);
    // Signalled after the first epoch's checkpoint, so the interrupted epoch is a later one.
    expect(p.sigtermAtSeconds).toBeGreaterThan(p.firstEpochSeconds);
  });

  it("resumes from last.pt, trains every epoch and exports both precisions", () => {
    const p = evidence.preemption;
    expect(p.secondSaidResuming).toBe(true);
    expect(p.secondExitCode).toBe(0);
    expect(p.epochsInResultsCsv).toEqual(Array.from({ length: p.epochs }, (_, i) => i + 1));
    expect(p.exports).toEqual(["best-fp16.onnx", "best-fp32.onnx"]);
  });

  it("validates in FP16 with about half the peak GPU memory of FP32, at the same accuracy", () => {
    const { fp32, fp16 } = evidence.precision;
    for (const [a, b] of [
      [fp32[0], fp16[0]],
      [fp32[1], fp16[1]],
    ]) {
      expect(b.peakGpuMemoryMB / a.peakGpuMemoryMB).toBeLessThan(0.6);
      expect(Math.abs(b.map5095 - a.map5095) * 100).toBeLessThan(0.5);
    }
  });
});
