// `berth map --gt GT.json --dt DETECTIONS.json [--json]` (docs/rules.md §6): pycocotools-exact bbox
// mAP of a COCO results list.
import type { Command } from "commander";
import { parseDetections, parseGroundTruth } from "../../abcheck/coco-input.ts";
import { cocoMap } from "../../abcheck/coco-summarize.ts";
import { readJsonFile } from "../../adapters/files/read-json-file.ts";

const LABELS = [
  "AP @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]",
  "AP @[ IoU=0.50      | area=   all | maxDets=100 ]",
  "AP @[ IoU=0.75      | area=   all | maxDets=100 ]",
  "AP @[ IoU=0.50:0.95 | area= small | maxDets=100 ]",
  "AP @[ IoU=0.50:0.95 | area=medium | maxDets=100 ]",
  "AP @[ IoU=0.50:0.95 | area= large | maxDets=100 ]",
  "AR @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ]",
  "AR @[ IoU=0.50:0.95 | area=   all | maxDets= 10 ]",
  "AR @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]",
  "AR @[ IoU=0.50:0.95 | area= small | maxDets=100 ]",
  "AR @[ IoU=0.50:0.95 | area=medium | maxDets=100 ]",
  "AR @[ IoU=0.50:0.95 | area= large | maxDets=100 ]",
];

export function register(program: Command): void {
  program
    .command("map")
    .description("COCO bbox mAP of detections against ground truth, exactly as pycocotools computes it")
    .requiredOption("--gt <file>", "COCO ground truth JSON (images, annotations, categories)")
    .requiredOption("--dt <file>", "COCO results JSON (list of {image_id, category_id, bbox, score})")
    .option("--json", "machine output: {stats: [12], perCategory: [{categoryId, ap}]}")
    .addHelpText("after", "\nExample:\n  berth map --gt val/annotations.json --dt predictions.json --json\n")
    .action(async (opts: { gt: string; dt: string; json?: boolean }) => {
      const gt = parseGroundTruth(await readJsonFile(opts.gt, "ground truth"));
      const dts = parseDetections(await readJsonFile(opts.dt, "detections"), gt);
      const result = cocoMap(gt, dts);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      const lines = result.stats.map((v, i) => ` Average ${LABELS[i]} = ${v.toFixed(3)}`);
      process.stdout.write(`${lines.join("\n")}\n`);
    });
}
