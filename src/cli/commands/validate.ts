// `berth validate --model FP32.onnx --model-fp16 FP16.onnx --data DIR --out REPORT.json
// [--provider cuda|cpu]` (docs/rules.md §6): what the validation Job runs. Both precisions are run
// over the same images, scored with the pycocotools-exact evaluator, and judged by the A/B gate.
// The exit code is 0 whenever it ran, whatever the verdict: the verdict is in the report (and, in a
// pod, in /dev/termination-log, so Berth reads it through the Kubernetes API alone).
import { access, constants, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import { DEFAULT_GATE, type GateConfig } from "../../abcheck/ab-verdict.ts";
import { DEFAULT_POSTPROCESS, type PostprocessOptions } from "../../abcheck/detections-to-coco.ts";
import type { Provider } from "../../adapters/onnx/detector-session.ts";

interface ValidateOptions {
  model: string;
  modelFp16: string;
  data: string;
  out: string;
  provider?: string;
  conf: string;
  iou: string;
  maxDet: string;
  tolerance: string;
  minImages: string;
  bootstrap: string;
  seed: string;
  maxMap50Drop?: string;
  maxApSmallDrop?: string;
  maxClassDrop?: string;
  maxRecallDrop?: string;
  threads?: string;
  json?: boolean;
}

function num(value: string | undefined, flag: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${flag} must be a number ≥ ${min}, got "${value}"`);
  return n;
}

/**
 * In a pod, the compact verdict goes to /dev/termination-log (Kubernetes keeps its first 4096
 * bytes). BERTH_TERMINATION_LOG names another path, as a pod's terminationMessagePath may.
 */
async function writeTerminationLog(summary: object): Promise<void> {
  const path = process.env.BERTH_TERMINATION_LOG || "/dev/termination-log";
  if (!process.env.KUBERNETES_SERVICE_HOST) return;
  try {
    await access(path, constants.W_OK);
  } catch {
    return;
  }
  await writeFile(path, JSON.stringify(summary).slice(0, 4096));
}

export function register(program: Command): void {
  program
    .command("validate")
    .description("FP32 vs FP16 A/B check of a YOLO ONNX model on a COCO validation set")
    .requiredOption("--model <fp32.onnx>", "the FP32 ONNX export")
    .requiredOption("--model-fp16 <fp16.onnx>", "the FP16 ONNX export of the same weights")
    .requiredOption("--data <dir>", "directory with annotations.json (COCO) and its images (PNG or JPEG)")
    .requiredOption("--out <report.json>", "where to write the JSON report")
    .option("--provider <cuda|cpu>", "onnxruntime execution provider (default: cuda when it loads, else cpu)")
    .option("--conf <n>", "confidence threshold", String(DEFAULT_POSTPROCESS.confThreshold))
    .option("--iou <n>", "NMS IoU threshold", String(DEFAULT_POSTPROCESS.iouThreshold))
    .option("--max-det <n>", "detections kept per image", String(DEFAULT_POSTPROCESS.maxDet))
    .option(
      "--tolerance <points>",
      "largest allowed mAP50-95 drop in mAP points",
      String(DEFAULT_GATE.tolerancePoints),
    )
    .option("--min-images <n>", "smallest validation set the gate accepts", String(DEFAULT_GATE.minImages))
    .option(
      "--bootstrap <n>",
      "paired bootstrap resamples for the 95% interval",
      String(DEFAULT_GATE.bootstrapSamples),
    )
    .option("--seed <n>", "bootstrap seed", String(DEFAULT_GATE.seed))
    .option("--max-map50-drop <points>", "optional gate on the mAP50 drop")
    .option("--max-ap-small-drop <points>", "optional gate on the AP-small drop")
    .option("--max-class-drop <points>", "optional gate on the worst per-class AP drop")
    .option("--max-recall-drop <points>", "optional gate on the AR@100 drop")
    .option("--threads <n>", "onnxruntime intra-op threads")
    .option("--json", "print the report JSON on stdout instead of the table")
    .addHelpText(
      "after",
      "\nExample:\n  berth validate --model best-fp32.onnx --model-fp16 best-fp16.onnx --data /data/val --out report.json --provider cuda\n",
    )
    .action(async (o: ValidateOptions) => {
      if (o.provider !== undefined && o.provider !== "cuda" && o.provider !== "cpu") {
        throw new Error(`--provider must be cuda or cpu, got "${o.provider}"`);
      }
      const post: PostprocessOptions = {
        ...DEFAULT_POSTPROCESS,
        confThreshold: num(o.conf, "conf")!,
        iouThreshold: num(o.iou, "iou")!,
        maxDet: num(o.maxDet, "max-det", 1)!,
      };
      const gate: GateConfig = {
        tolerancePoints: num(o.tolerance, "tolerance")!,
        minImages: num(o.minImages, "min-images")!,
        bootstrapSamples: num(o.bootstrap, "bootstrap")!,
        seed: num(o.seed, "seed")!,
        ...(o.maxMap50Drop !== undefined
          ? { maxMap50DropPoints: num(o.maxMap50Drop, "max-map50-drop")! }
          : {}),
        ...(o.maxApSmallDrop !== undefined
          ? { maxApSmallDropPoints: num(o.maxApSmallDrop, "max-ap-small-drop")! }
          : {}),
        ...(o.maxClassDrop !== undefined
          ? { maxClassDropPoints: num(o.maxClassDrop, "max-class-drop")! }
          : {}),
        ...(o.maxRecallDrop !== undefined
          ? { maxRecallDropPoints: num(o.maxRecallDrop, "max-recall-drop")! }
          : {}),
      };
      const threads = num(o.threads, "threads", 1);
      // Loaded only when validating: onnxruntime costs most of a second at start-up.
      const { abRunSummary, runAbValidation } = await import("../../services/models/ab-run.ts");
      const report = await runAbValidation({
        fp32: o.model,
        fp16: o.modelFp16,
        data: resolve(o.data),
        dataLabel: `--data ${resolve(o.data)}`,
        provider: (o.provider as Provider | undefined) ?? "auto",
        threads,
        postprocess: post,
        gate,
        progress: true,
      });
      const { provider, delta } = report;
      await writeFile(o.out, `${JSON.stringify(report, null, 2)}\n`);
      await writeTerminationLog(abRunSummary(report, resolve(o.out)));
      if (o.json) {
        process.stdout.write(`${JSON.stringify(report)}\n`);
        return;
      }
      const pct = (x: number) => (x < 0 ? "  n/a" : (x * 100).toFixed(2).padStart(6));
      const rows = [
        `             mAP50-95  mAP50  AP-small  AR@100   img/s  peak MB`,
        ...(["fp32", "fp16"] as const).map((k) => {
          const s = report[k];
          return `  ${k}       ${pct(s.map5095)}  ${pct(s.map50)}  ${pct(s.apSmall)}  ${pct(s.recall)}  ${s.imagesPerSecond.toFixed(1).padStart(6)}  ${s.peakMemoryMB.toFixed(0).padStart(7)}`;
        }),
        `  delta (pts) ${delta.map5095.toFixed(2).padStart(6)}  ${delta.map50.toFixed(2).padStart(6)}  ${delta.apSmall.toFixed(2).padStart(6)}  ${delta.recall.toFixed(2).padStart(6)}`,
        `  ${report.passed ? "PASSED" : "FAILED"} on ${report.images} images, provider ${provider}, fp16 arithmetic ${report.fp16Arithmetic}${report.unlocksFp16 ? "" : " (does not unlock fp16)"}`,
        ...report.reasons.map((r) => `  - ${r}`),
        `  report: ${o.out}`,
      ];
      process.stdout.write(`${rows.join("\n")}\n`);
    });
}
