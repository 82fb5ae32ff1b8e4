// The names Berth's Jobs carry on the cluster (CONTRACTS.md §5). The berth.dev label keys are the
// ones the YOLO Job builders use; the attempt label and managed-by are what let the executor find
// its own runs again after a restart without a database.
export {
  LABEL_JOB,
  LABEL_QUEUE,
  LABEL_RESERVATION,
  LABEL_TEAM,
  MANAGED_TAINT_KEY,
} from "../../yolo/job-common.ts";

export const LABEL_ATTEMPT = "berth.dev/attempt";
export const LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
export const MANAGED_BY = "berth";
/** Selects every Job the Kubernetes executor created. */
export const OWN_JOBS_SELECTOR = `${LABEL_MANAGED_BY}=${MANAGED_BY}`;

/** Which report the executor already delivered for a Job, so a restarted executor does not repeat it. */
export const ANNOTATION_REPORTED = "berth.dev/reported";
export const ANNOTATION_SIM_DURATION = "berth.dev/sim-duration";
export const ANNOTATION_SIM_EXIT_CODE = "berth.dev/sim-exit-code";

export const GPU_RESOURCE = "nvidia.com/gpu";
export const HOSTNAME_LABEL = "kubernetes.io/hostname";

/** Labels NVIDIA GPU feature discovery puts on GPU nodes. */
export const GFD_PRODUCT = "nvidia.com/gpu.product";
export const GFD_MEMORY = "nvidia.com/gpu.memory";
export const GFD_COMPUTE_MAJOR = "nvidia.com/gpu.compute.major";
export const GFD_COMPUTE_MINOR = "nvidia.com/gpu.compute.minor";
/** Set by Berth's test cluster (and by admins who want a pool name other than the product). */
export const LABEL_POOL = "berth.dev/pool";
