// What the job-kind and Job-manifest tests launch: Berth's settings, a pool of a compute capability,
// and a train spec as a user submits it.
import type { Pool } from "../../../src/core/types.ts";

export const KIND_SETTINGS = { berthImage: "registry.local/berth:0.2.0" };

export const TRAIN_SPEC = {
  image: "ultralytics/ultralytics:8.4.190",
  model: "yolov8n.yaml",
  data: "data/shapes.yaml",
  epochs: 5,
};

export const gpuPool = (name: string, computeCapability: string, gpusPerNode = 8): Pool => ({
  name,
  product: `Tesla-${name}`,
  computeCapability,
  gpusPerNode,
});
