// A validation set on disk (docs/rules.md §6's DIR): a COCO ground-truth file (annotations.json, or
// the only .json there) and the images it names, in `images/` or beside it.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { type CocoGroundTruth, parseGroundTruth } from "../../abcheck/coco-input.ts";
import type { ValidationImage } from "../onnx/run-detector.ts";
import { readJsonFile } from "./read-json-file.ts";

export interface ValidationSet {
  readonly gt: CocoGroundTruth;
  readonly images: ValidationImage[];
}

/** `label` names the directory in errors the way the caller's user knows it (`--data DIR`). */
export async function loadValidationSet(dir: string, label: string): Promise<ValidationSet> {
  const entries = await readdir(dir).catch(() => {
    throw new Error(`${label} is not a readable directory`);
  });
  const jsons = entries.filter((e) => e.endsWith(".json"));
  const name = jsons.includes("annotations.json")
    ? "annotations.json"
    : jsons.length === 1
      ? jsons[0]
      : undefined;
  if (!name) throw new Error(`${label} must hold annotations.json (or exactly one .json COCO file)`);
  const gt = parseGroundTruth(await readJsonFile(join(dir, name), "ground truth"));
  const imageDir = entries.includes("images") ? join(dir, "images") : dir;
  const images: ValidationImage[] = gt.imageIds.map((id) => {
    const file = gt.fileNames.get(id);
    if (!file) throw new Error(`${name}: image ${id} has no file_name`);
    return { id, path: join(imageDir, file) };
  });
  return { gt, images };
}
