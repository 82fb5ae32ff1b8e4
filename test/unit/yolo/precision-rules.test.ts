import { describe, expect, it } from "vitest";
import { type PromotionRequest, promotionDecision } from "../../../src/yolo/precision-rules.ts";

const gpuPass = { passed: true, fp16Arithmetic: "gpu" as const, tensorrt: false };
const base: PromotionRequest = {
  precision: "fp16",
  batchSize: 8,
  useTensorrt: false,
  servingComputeCapability: "8.0",
  check: gpuPass,
};

describe("promotion precision", () => {
  it("promotes fp16 after a passed check with GPU FP16 arithmetic", () => {
    expect(promotionDecision(base)).toMatchObject({
      ok: true,
      inference: { precision: "fp16", batch_size: 8, use_tensorrt: false },
    });
  });

  it.each<[string, Partial<PromotionRequest>, RegExp]>([
    ["no check ran", { check: undefined }, /none ran/],
    ["the check failed", { check: { ...gpuPass, passed: false } }, /check failed/],
    [
      "the check ran on the CPU provider",
      { check: { ...gpuPass, fp16Arithmetic: "emulated-on-cpu" } },
      /CPU provider/,
    ],
    ["the serving pool is Pascal", { servingComputeCapability: "6.1" }, /6\.1.*fp32 is recommended/],
    ["TensorRT is asked for without a TensorRT run", { useTensorrt: true }, /TensorRT/],
    ["int8 is asked for", { precision: "int8" }, /INT8/],
    ["the batch size is zero", { batchSize: 0 }, /batch_size/],
  ])("refuses fp16 when %s, recommending fp32 where it can", (_name, over, reason) => {
    const d = promotionDecision({ ...base, ...over });
    expect(d.ok).toBe(false);
    if (!d.ok) {
      expect(d.reason).toMatch(reason);
      if (d.recommended) expect(d.recommended.precision).toBe("fp32");
    }
  });

  it("always allows fp32, even with no check and on an old pool", () => {
    const d = promotionDecision({
      ...base,
      precision: "fp32",
      check: undefined,
      servingComputeCapability: "5.2",
    });
    expect(d).toEqual({
      ok: true,
      inference: { precision: "fp32", batch_size: 8, use_tensorrt: false },
      notes: [],
    });
  });

  it("allows use_tensorrt once a TensorRT run passed", () => {
    const d = promotionDecision({ ...base, useTensorrt: true, check: { ...gpuPass, tensorrt: true } });
    expect(d).toMatchObject({ ok: true, inference: { precision: "fp16", use_tensorrt: true } });
  });
});
