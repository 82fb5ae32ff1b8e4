// The FP16-vs-FP32 A/B run: both exports of a model over the same validation set, scored with the
// pycocotools-exact evaluator and judged by the A/B gate (src/abcheck/ab-verdict.ts). `berth
// validate` (src/cli/commands/validate.ts) is its command line; it writes the report this returns.
import type { GateConfig } from "../../abcheck/ab-verdict.ts";
import { runAbCheck } from "../../abcheck/ab-verdict.ts";
import type { PostprocessOptions } from "../../abcheck/detections-to-coco.ts";
import { loadValidationSet } from "../../adapters/files/validation-set.ts";
import type { Provider } from "../../adapters/onnx/detector-session.ts";
import { type PassResult, runPassInChild } from "../../adapters/onnx/precision-pass.ts";

export type AbPrecision = "fp32" | "fp16";

export interface AbRunRequest {
  readonly fp32: string;
  readonly fp16: string;
  /** The validation set's directory. */
  readonly data: string;
  /** How errors name the directory to the caller's user (the CLI: `--data DIR`). */
  readonly dataLabel: string;
  /** "auto": CUDA when its provider library is installed and loads, else the CPU. */
  readonly provider: Provider | "auto";
  readonly threads?: number | undefined;
  readonly postprocess: PostprocessOptions;
  readonly gate: GateConfig;
  /** Label each pass's progress bar on stderr (drawn only where stderr is a terminal). */
  readonly progress?: boolean;
}

export async function runAbValidation(req: AbRunRequest) {
  // Read here first: a bad directory is refused before any pass starts.
  const { gt, images } = await loadValidationSet(req.data, req.dataLabel);
  // One process per precision, one after the other: each gets the whole machine for its timing
  // and its own peak memory (src/adapters/onnx/precision-pass.ts).
  const runs = {} as Record<AbPrecision, PassResult>;
  for (const [key, model] of [
    ["fp32", req.fp32],
    ["fp16", req.fp16],
  ] as const) {
    runs[key] = await runPassInChild({
      model,
      data: req.data,
      dataLabel: req.dataLabel,
      provider: req.provider,
      threads: req.threads,
      postprocess: req.postprocess,
      ...(req.progress ? { progressLabel: key } : {}),
    });
  }
  const provider = runs.fp16.provider;
  const {
    fp32Metrics: m32,
    fp16Metrics: m16,
    verdict,
  } = runAbCheck(
    gt,
    runs.fp32.detections,
    runs.fp16.detections,
    provider === "cuda" ? "gpu" : "emulated-on-cpu",
    req.gate,
  );
  const side = (key: AbPrecision, m: typeof m32) => ({
    model: runs[key].path,
    inputType: runs[key].inputType,
    outputType: runs[key].outputType,
    layout: runs[key].layout,
    detections: runs[key].detections.length,
    map5095: m.map5095,
    map50: m.map50,
    apSmall: m.apSmall,
    recall: m.recall,
    imagesPerSecond: runs[key].imagesPerSecond,
    peakMemoryMB: runs[key].peakMemoryMB,
    stats: m.stats,
    perClass: m.perClass,
  });
  return {
    images: images.length,
    provider,
    fp32: side("fp32", m32),
    fp16: side("fp16", m16),
    delta: verdict.delta,
    deltaUnit: "mAP points, fp16 - fp32 (negative = drop)",
    passed: verdict.passed,
    reasons: verdict.reasons,
    fp16Arithmetic: verdict.fp16Arithmetic,
    unlocksFp16: verdict.unlocksFp16,
    gate: req.gate,
    postprocess: req.postprocess,
  };
}

export type AbRunReport = Awaited<ReturnType<typeof runAbValidation>>;

/**
 * The compact verdict a validation pod leaves in its termination message (Kubernetes keeps 4096
 * bytes of it): enough to judge the check through the Kubernetes API alone, and where the whole
 * report lies.
 */
export function abRunSummary(report: AbRunReport, reportPath: string) {
  return {
    passed: report.passed,
    unlocksFp16: report.unlocksFp16,
    fp16Arithmetic: report.fp16Arithmetic,
    provider: report.provider,
    images: report.images,
    map5095: { fp32: report.fp32.map5095, fp16: report.fp16.map5095 },
    delta: { map5095: report.delta.map5095, ci95: report.delta.ci95 },
    report: reportPath,
  };
}
