// The FP16-vs-FP32 A/B run: both exports of a model over the same validation set, scored with the
// pycocotools-exact evaluator and judged by the A/B gate (src/abcheck/ab-verdict.ts). `berth
// validate` (src/cli/commands/validate.ts) is its command line; it writes the report this returns.
import type { GateConfig } from "../../abcheck/ab-verdict.ts";
import { runAbCheck } from "../../abcheck/ab-verdict.ts";
import type { PostprocessOptions } from "../../abcheck/detections-to-coco.ts";
import { loadValidationSet } from "../../adapters/files/validation-set.ts";
import { readPng } from "../../adapters/images/read-png.ts";
import {
  cudaProviderInstalled,
  type DetectorSession,
  openDetector,
  type Provider,
} from "../../adapters/onnx/detector-session.ts";
import { type DetectorRun, runDetector } from "../../adapters/onnx/run-detector.ts";

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
  /** Called once per precision before its pass; the returned callback gets the images done so far. */
  readonly progress?: (precision: AbPrecision, total: number) => (done: number) => void;
}

async function open(path: string, provider: Provider | "auto", threads?: number): Promise<DetectorSession> {
  const sized = threads ? { threads } : {};
  if (provider !== "auto") return openDetector(path, { provider, ...sized });
  if (!cudaProviderInstalled()) return openDetector(path, { provider: "cpu", ...sized });
  try {
    return await openDetector(path, { provider: "cuda", quiet: true, ...sized });
  } catch {
    return openDetector(path, { provider: "cpu", ...sized });
  }
}

export async function runAbValidation(req: AbRunRequest) {
  const { gt, images } = await loadValidationSet(req.data, req.dataLabel);
  const runs = {} as Record<AbPrecision, { run: DetectorRun; session: DetectorSession }>;
  for (const [key, path] of [
    ["fp32", req.fp32],
    ["fp16", req.fp16],
  ] as const) {
    const session = await open(path, req.provider, req.threads);
    const run = await runDetector(
      session,
      images,
      readPng,
      gt.categoryIds,
      req.postprocess,
      req.progress?.(key, images.length) ?? (() => {}),
    );
    await session.release();
    runs[key] = { run, session };
  }
  const provider = runs.fp16.session.provider;
  const {
    fp32Metrics: m32,
    fp16Metrics: m16,
    verdict,
  } = runAbCheck(
    gt,
    runs.fp32.run.detections,
    runs.fp16.run.detections,
    provider === "cuda" ? "gpu" : "emulated-on-cpu",
    req.gate,
  );
  const side = (key: AbPrecision, m: typeof m32) => ({
    model: runs[key].session.path,
    inputType: runs[key].session.inputType,
    outputType: runs[key].session.outputType,
    layout: runs[key].run.layout,
    detections: runs[key].run.detections.length,
    map5095: m.map5095,
    map50: m.map50,
    apSmall: m.apSmall,
    recall: m.recall,
    imagesPerSecond: runs[key].run.imagesPerSecond,
    peakMemoryMB: runs[key].run.peakMemoryMB,
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
