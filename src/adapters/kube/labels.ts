// The names Berth's Jobs carry on the cluster. The run labels are src/basics/job-names.ts's (the one
// module that names and labels every Job); the attempt label and managed-by are what let the
// executor find its own runs again after a restart without a database.
import { LABEL_MANAGED_BY, MANAGED_BY } from "../../basics/job-names.ts";

export {
  LABEL_ATTEMPT,
  LABEL_JOB,
  LABEL_MANAGED_BY,
  LABEL_QUEUE,
  LABEL_RESERVATION,
  LABEL_TEAM,
  MANAGED_BY,
  MANAGED_TAINT_KEY,
} from "../../basics/job-names.ts";

/** Selects every Job the Kubernetes executor created. */
export const OWN_JOBS_SELECTOR = `${LABEL_MANAGED_BY}=${MANAGED_BY}`;

/** Which report the executor already delivered for a Job, so a restarted executor does not repeat it. */
export const ANNOTATION_REPORTED = "berth.dev/reported";
export const ANNOTATION_SIM_DURATION = "berth.dev/sim-duration";
export const ANNOTATION_SIM_EXIT_CODE = "berth.dev/sim-exit-code";
/** Test clusters only: a failure the simulated kubelet plays (test/cluster/kwok/pod-stages.yaml). */
export const ANNOTATION_SIM_FAILURE = "berth.dev/sim-failure";

export const GPU_RESOURCE = "nvidia.com/gpu";
export const HOSTNAME_LABEL = "kubernetes.io/hostname";

/** Labels NVIDIA GPU feature discovery puts on GPU nodes. */
export const GFD_PRODUCT = "nvidia.com/gpu.product";
export const GFD_MEMORY = "nvidia.com/gpu.memory";
export const GFD_COMPUTE_MAJOR = "nvidia.com/gpu.compute.major";
export const GFD_COMPUTE_MINOR = "nvidia.com/gpu.compute.minor";
/** Set by Berth's test cluster (and by admins who want a pool name other than the product). */
export const LABEL_POOL = "berth.dev/pool";

/** On a kubectl user's Job Berth admitted: which attempt of its Berth job the Job now runs. */
export const ANNOTATION_ATTEMPT = "berth.dev/attempt";
/** Pods carry their Job's uid under this label (set by the Job controller, not by users). */
export const LABEL_CONTROLLER_UID = "batch.kubernetes.io/controller-uid";
