// COCO ground truth and COCO results lists, checked once at the edge so the evaluator can trust
// them. Pure: takes already-parsed JSON values. Errors name the offending field, because a user
// who hands `berth map` a malformed file wants to know which entry to fix.

export class CocoInputError extends Error {
  readonly code = "invalid_coco_input";
}

export interface CocoGtAnnotation {
  readonly id: number;
  readonly imageId: number;
  readonly categoryId: number;
  /** [x, y, width, height] in pixels. */
  readonly bbox: readonly [number, number, number, number];
  /** The file's `area` field: pycocotools uses it (not the box) to place a GT in an area range. */
  readonly area: number;
  readonly iscrowd: boolean;
}

export interface CocoGroundTruth {
  readonly imageIds: readonly number[];
  readonly categoryIds: readonly number[];
  readonly annotations: readonly CocoGtAnnotation[];
  /** Image file names by id, for `berth validate`; absent entries have no file. */
  readonly fileNames: ReadonlyMap<number, string>;
  readonly categoryNames: ReadonlyMap<number, string>;
}

export interface CocoDetection {
  readonly imageId: number;
  readonly categoryId: number;
  readonly bbox: readonly [number, number, number, number];
  readonly score: number;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function finiteNumber(v: unknown, where: string): number {
  if (typeof v !== "number" || !Number.isFinite(v))
    throw new CocoInputError(`${where} must be a finite number`);
  return v;
}

function bbox(v: unknown, where: string): [number, number, number, number] {
  if (!Array.isArray(v) || v.length !== 4) throw new CocoInputError(`${where} must be [x, y, width, height]`);
  return [
    finiteNumber(v[0], `${where}[0]`),
    finiteNumber(v[1], `${where}[1]`),
    finiteNumber(v[2], `${where}[2]`),
    finiteNumber(v[3], `${where}[3]`),
  ];
}

export function parseGroundTruth(json: unknown): CocoGroundTruth {
  if (!isRecord(json))
    throw new CocoInputError("ground truth must be a COCO object with images, annotations, categories");
  const { images, annotations, categories } = json;
  if (!Array.isArray(images)) throw new CocoInputError("ground truth: images must be an array");
  if (!Array.isArray(annotations)) throw new CocoInputError("ground truth: annotations must be an array");
  if (!Array.isArray(categories)) throw new CocoInputError("ground truth: categories must be an array");
  const fileNames = new Map<number, string>();
  const imageIds = new Set<number>();
  images.forEach((img, i) => {
    if (!isRecord(img)) throw new CocoInputError(`images[${i}] must be an object`);
    const id = finiteNumber(img.id, `images[${i}].id`);
    imageIds.add(id);
    if (typeof img.file_name === "string") fileNames.set(id, img.file_name);
  });
  const categoryNames = new Map<number, string>();
  categories.forEach((c, i) => {
    if (!isRecord(c)) throw new CocoInputError(`categories[${i}] must be an object`);
    const id = finiteNumber(c.id, `categories[${i}].id`);
    categoryNames.set(id, typeof c.name === "string" ? c.name : String(id));
  });
  const anns: CocoGtAnnotation[] = annotations.map((a, i) => {
    const where = `annotations[${i}]`;
    if (!isRecord(a)) throw new CocoInputError(`${where} must be an object`);
    const box = bbox(a.bbox, `${where}.bbox`);
    // pycocotools raises KeyError without `area`; a custom dataset often omits it, so we fall back
    // to the box area rather than refuse (documented difference, never hit by COCO-style files).
    const area = a.area === undefined ? box[2] * box[3] : finiteNumber(a.area, `${where}.area`);
    return {
      id: finiteNumber(a.id, `${where}.id`),
      imageId: finiteNumber(a.image_id, `${where}.image_id`),
      categoryId: finiteNumber(a.category_id, `${where}.category_id`),
      bbox: box,
      area,
      // pycocotools: ignore = 'iscrowd' in gt and gt['iscrowd'] (truthiness).
      iscrowd: Boolean(a.iscrowd),
    };
  });
  return {
    imageIds: [...imageIds].sort((x, y) => x - y),
    categoryIds: [...categoryNames.keys()].sort((x, y) => x - y),
    annotations: anns,
    fileNames,
    categoryNames,
  };
}

/** A COCO results list. Like pycocotools' loadRes, every image id must exist in the ground truth. */
export function parseDetections(json: unknown, gt: CocoGroundTruth): CocoDetection[] {
  if (!Array.isArray(json)) throw new CocoInputError("detections must be a JSON array of COCO results");
  const known = new Set(gt.imageIds);
  return json.map((d, i) => {
    const where = `detections[${i}]`;
    if (!isRecord(d)) throw new CocoInputError(`${where} must be an object`);
    const imageId = finiteNumber(d.image_id, `${where}.image_id`);
    if (!known.has(imageId)) {
      throw new CocoInputError(`${where}.image_id ${imageId} is not an image of the ground truth`);
    }
    return {
      imageId,
      categoryId: finiteNumber(d.category_id, `${where}.category_id`),
      bbox: bbox(d.bbox, `${where}.bbox`),
      score: finiteNumber(d.score, `${where}.score`),
    };
  });
}
