// The job rules every job keeps, whether submitted through the API (its kind's schema and
// POST /jobs call these) or created with kubectl (the validating webhook's check calls the same
// functions), so the two ways in cannot drift apart (docs/rules.md §4, "Job rules").
import type { FieldError } from "../../../basics/domain-error.ts";
import type { TeamQuota } from "../../../core/quota.ts";
import { type Priority, priorityRank } from "../../../core/types.ts";

/**
 * Variables that choose which GPUs (or which driver features) a container gets. The NVIDIA
 * container toolkit reads NVIDIA_* from the image and the pod's environment when it sets the
 * container up: NVIDIA_VISIBLE_DEVICES=all would hand over every GPU of the node, other teams'
 * included, and the capability and requirement variables widen or switch off what it mounts and
 * checks. The *_VISIBLE_DEVICES and affinity variables of CUDA, ROCm and oneAPI renumber or pick
 * devices inside the container. Which GPUs a run sees is the device plugin's business, for the
 * GPUs Berth placed it on.
 */
const DEVICE_ENV = new Set([
  "NVIDIA_VISIBLE_DEVICES",
  "NVIDIA_DRIVER_CAPABILITIES",
  "NVIDIA_DISABLE_REQUIRE",
  "NVIDIA_MIG_CONFIG_DEVICES",
  "NVIDIA_MIG_MONITOR_DEVICES",
  "NVIDIA_IMEX_CHANNELS",
  "NVIDIA_GDS",
  "NVIDIA_GDRCOPY",
  "NVIDIA_MOFED",
  "NVIDIA_NVSWITCH",
  "NVIDIA_FABRIC_MANAGER",
  "CUDA_VISIBLE_DEVICES",
  "CUDA_DEVICE_ORDER",
  "HIP_VISIBLE_DEVICES",
  "ROCR_VISIBLE_DEVICES",
  "GPU_DEVICE_ORDINAL",
  "ZE_AFFINITY_MASK",
]);
/** NVIDIA_REQUIRE_CUDA and its kin: constraints the toolkit checks before it starts the container. */
const DEVICE_ENV_PREFIXES = ["NVIDIA_REQUIRE_"];

/** Why a variable of this name is refused; undefined when it is allowed. */
export function deviceEnvRefusal(name: string): string | undefined {
  return DEVICE_ENV.has(name) || DEVICE_ENV_PREFIXES.some((p) => name.startsWith(p))
    ? "selects GPUs or driver features: the device plugin sets it for the GPUs Berth placed the run on"
    : undefined;
}

/**
 * Annotations a job may put on its pods. A key without a prefix is private to the user (no
 * component of Kubernetes acts on it); prefixed keys are read by controllers, runtimes and
 * meshes (AppArmor and seccomp profiles, sidecar injection, bandwidth), so only these few, which
 * change nothing about how the pod runs, are let through. berth.dev/ keys are Berth's, except the
 * three that only test clusters' simulated kubelets read (how long a pod "runs", its exit code,
 * a failure it plays).
 */
const ALLOWED_ANNOTATIONS = new Set([
  "berth.dev/sim-duration",
  "berth.dev/sim-exit-code",
  "berth.dev/sim-failure",
  "prometheus.io/scrape",
  "prometheus.io/port",
  "prometheus.io/path",
  "prometheus.io/scheme",
  "kubectl.kubernetes.io/default-container",
  "kubectl.kubernetes.io/default-logs-container",
]);
/** A Kubernetes annotation key: an optional DNS prefix, then a name of at most 63 characters. */
const ANNOTATION_KEY =
  /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

export function annotationRefusal(key: string): string | undefined {
  if (!ANNOTATION_KEY.test(key)) return "not a valid annotation key";
  if (!key.includes("/") || ALLOWED_ANNOTATIONS.has(key)) return undefined;
  if (key.startsWith("berth.dev/")) return "berth.dev/ annotations are Berth's";
  return `not on the allow-list: keys without a prefix, or ${[...ALLOWED_ANNOTATIONS].join(", ")}`;
}

/** A job on a reservation runs at most at the reservation's priority. */
export function reservationPriorityRefusal(job: Priority, reservation: Priority): string | undefined {
  return priorityRank(job) > priorityRank(reservation)
    ? `priority ${job} is above its reservation's (${reservation})`
    : undefined;
}

/**
 * A queued (opportunistic) job of a member: at a class the team was granted (one with GPU-hours, or
 * unlimited) and on no more GPUs than the team may hold at once. Checked at submission, against the
 * quota as it stands then; queued jobs use no weekly GPU-hours (they run on free or lent GPUs and
 * yield to any booking).
 */
export function queueJobRefusals(quota: TeamQuota, priority: Priority, gpus: number): FieldError[] {
  const errors: FieldError[] = [];
  const hours = quota.gpuHoursPerWeek[priority];
  if (hours !== undefined && hours <= 0)
    errors.push({
      field: "priority",
      message: `team has no ${priority} GPU-hours: an admin grants the class (PUT /teams/{name}/quotas)`,
    });
  if (quota.maxGpus !== undefined && gpus > quota.maxGpus)
    errors.push({ field: "gpus", message: `more than the team's cap of ${quota.maxGpus} GPUs at once` });
  return errors;
}
