// docs/rules.md "Mixed precision" as pure functions: whether a pool trains with AMP, and which
// inference precision a model version may be promoted with. Every refusal and downgrade carries
// its reason, because the user reading it decides what to buy or re-run next.

/** "7.0" → [7, 0]; throws on anything else (labels come from the GPU operator as major.minor). */
export function parseComputeCapability(cc: string): [number, number] {
  const m = /^(\d+)\.(\d+)$/.exec(cc.trim());
  if (!m) throw new Error(`compute capability "${cc}" is not major.minor`);
  return [Number(m[1]), Number(m[2])];
}

export interface AmpDecision {
  readonly amp: boolean;
  readonly reason: string;
}

export function ampDecision(computeCapability: string): AmpDecision {
  const [major] = parseComputeCapability(computeCapability);
  if (major >= 7) {
    return { amp: true, reason: `compute capability ${computeCapability} has Tensor Cores: AMP training` };
  }
  if (major === 6) {
    return {
      amp: false,
      reason: `compute capability ${computeCapability} (Pascal) stores FP16 but has no fast FP16 math: FP32 training`,
    };
  }
  return { amp: false, reason: `compute capability ${computeCapability} is below 6.0: FP32 only` };
}

export type InferencePrecision = "fp16" | "fp32" | "int8";

export interface InferenceConfig {
  readonly precision: InferencePrecision;
  readonly batch_size: number;
  readonly use_tensorrt: boolean;
}

/** What the A/B check of this model version established (absent: no check ran). */
export interface AbCheckEvidence {
  readonly passed: boolean;
  readonly fp16Arithmetic: "gpu" | "emulated-on-cpu";
  /** The check ran through TensorRT (ORT-CUDA FP16 is not TensorRT FP16). */
  readonly tensorrt: boolean;
}

export interface PromotionRequest {
  readonly precision: InferencePrecision;
  readonly batchSize: number;
  readonly useTensorrt: boolean;
  /**
   * Compute capability of the pool the model is meant to serve on; null when no pool is named,
   * which only fp32 survives (a capability is never assumed).
   */
  readonly servingComputeCapability: string | null;
  readonly check?: AbCheckEvidence;
}

export type PromotionDecision =
  | { readonly ok: true; readonly inference: InferenceConfig; readonly notes: string[] }
  | { readonly ok: false; readonly reason: string; readonly recommended?: InferenceConfig };

export function promotionDecision(r: PromotionRequest): PromotionDecision {
  if (!Number.isInteger(r.batchSize) || r.batchSize < 1) {
    return { ok: false, reason: `batch_size must be a positive integer, got ${r.batchSize}` };
  }
  const fp32: InferenceConfig = { precision: "fp32", batch_size: r.batchSize, use_tensorrt: false };
  if (r.precision === "int8") {
    return { ok: false, reason: "int8 is refused until an INT8 accuracy check exists", recommended: fp32 };
  }
  if (r.useTensorrt && !r.check?.tensorrt) {
    return {
      ok: false,
      reason: "use_tensorrt needs an A/B check run through TensorRT; ORT-CUDA results do not carry over",
      recommended: fp32,
    };
  }
  if (r.precision === "fp32") {
    // Always allowed: degrading to FP32 is how a deployment stays alive.
    return { ok: true, inference: { ...fp32, use_tensorrt: r.useTensorrt }, notes: [] };
  }
  if (r.servingComputeCapability === null) {
    return {
      ok: false,
      reason: `${r.precision} needs a serving pool: its compute capability decides, and none is assumed`,
      recommended: fp32,
    };
  }
  const [major] = parseComputeCapability(r.servingComputeCapability);
  if (major < 7) {
    return {
      ok: false,
      reason: `compute capability ${r.servingComputeCapability} has no fast FP16 math: fp32 is recommended`,
      recommended: fp32,
    };
  }
  if (!r.check)
    return { ok: false, reason: "fp16 needs a passed FP16-vs-FP32 A/B check; none ran", recommended: fp32 };
  if (r.check.fp16Arithmetic !== "gpu") {
    return {
      ok: false,
      reason: "the A/B check ran on the CPU provider (FP16 emulated in FP32): it cannot unlock fp16",
      recommended: fp32,
    };
  }
  if (!r.check.passed) return { ok: false, reason: "the FP16-vs-FP32 A/B check failed", recommended: fp32 };
  return {
    ok: true,
    inference: { precision: "fp16", batch_size: r.batchSize, use_tensorrt: r.useTensorrt },
    notes: ["fp16 unlocked by a passed A/B check with GPU FP16 arithmetic"],
  };
}
