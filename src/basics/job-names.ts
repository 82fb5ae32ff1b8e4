// How every Job Berth launches is named and labelled (keys under berth.dev/), in one place: the
// Kubernetes manifest (src/adapters/kube/job-manifest.ts) and the executor that finds its runs again
// name and label through here, so a run found by its labels and a run found by its name are the same run.

export const LABEL_RESERVATION = "berth.dev/reservation";
export const LABEL_JOB = "berth.dev/job";
export const LABEL_TEAM = "berth.dev/team";
export const LABEL_QUEUE = "berth.dev/queue";
/** Which run of the job (1-based): with the job id it names the run. */
export const LABEL_ATTEMPT = "berth.dev/attempt";
export const LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
export const MANAGED_BY = "berth";
export const MANAGED_TAINT_KEY = "berth.dev/managed";

/** The opportunistic queue's name (a run on no reservation). */
export const DEFAULT_QUEUE = "default";

/**
 * The Job name of a run, from (job, attempt) alone: launching the same run twice names the same
 * Job, so the second create is refused with AlreadyExists instead of starting a duplicate. A
 * DNS-1123 label of at most 63 characters (the Job controller copies it into the pods' job-name
 * label).
 */
export function runJobName(job: string, attempt: number): string {
  const clean = job
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  const suffix = `-${attempt}`;
  const name = `berth-${clean}${suffix}`;
  if (name.length <= 63 && clean === job) return name;
  // Cleaned or too long: keep a readable prefix plus a hash of the exact id so names never collide.
  let h = 2166136261;
  for (const ch of job) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  const hash = h.toString(16).padStart(8, "0");
  const room = 63 - "berth-".length - hash.length - 1 - suffix.length;
  return `berth-${clean.slice(0, room).replace(/-+$/, "")}-${hash}${suffix}`;
}

export interface RunIdentity {
  readonly job: string;
  readonly attempt: number;
  readonly team: string;
  /** The reservation the run uses; absent: it runs from `queue` (the default queue). */
  readonly reservation?: string | undefined;
  readonly queue?: string | undefined;
}

/** The labels of a run's Job and its pods. */
export function runLabels(run: RunIdentity): Record<string, string> {
  return {
    [LABEL_MANAGED_BY]: MANAGED_BY,
    [LABEL_JOB]: run.job,
    [LABEL_ATTEMPT]: String(run.attempt),
    [LABEL_TEAM]: run.team,
    ...(run.reservation
      ? { [LABEL_RESERVATION]: run.reservation }
      : { [LABEL_QUEUE]: run.queue ?? DEFAULT_QUEUE }),
  };
}
