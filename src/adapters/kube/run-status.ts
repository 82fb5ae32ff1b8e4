// What a Job's status says about its run, in the executor's terms. Pure, so the mapping is tested
// without a cluster. `stopped` needs the Job suspended (Berth's way to stop a run) and no pod left
// active or terminating: only then are its GPUs free for someone else.
import type { V1Job } from "@kubernetes/client-node";
import { runJobName } from "../../basics/job-names.ts";
import type { ExecutorEventType } from "../../services/ports.ts";
import { ANNOTATION_REPORTED, LABEL_ATTEMPT, LABEL_JOB } from "./labels.ts";

export interface RunRef {
  readonly job: string;
  readonly attempt: number;
}

/**
 * The run a Job of Berth's is. Labels alone are anyone's to write: only the Job under the name Berth
 * gives the run is that run, so another Job carrying its labels (and the verdict its pod writes)
 * is never taken for it.
 */
export function runOf(job: V1Job): RunRef | undefined {
  const labels = job.metadata?.labels ?? {};
  const id = labels[LABEL_JOB];
  const attempt = Number(labels[LABEL_ATTEMPT]);
  if (!id || !Number.isInteger(attempt) || attempt < 1) return undefined;
  return job.metadata?.name === runJobName(id, attempt) ? { job: id, attempt } : undefined;
}

export interface RunStatus {
  /** undefined while pending (created, not yet running). */
  readonly type?: ExecutorEventType;
  readonly message?: string;
}

function trueCondition(job: V1Job, ...types: string[]) {
  return job.status?.conditions?.find((c) => types.includes(c.type) && c.status === "True");
}

export function runStatus(job: V1Job): RunStatus {
  const failed = trueCondition(job, "Failed", "FailureTarget");
  if (failed) {
    const why = [failed.reason, failed.message].filter(Boolean).join(": ");
    return { type: "failed", ...(why ? { message: why } : {}) };
  }
  if (trueCondition(job, "Complete", "SuccessCriteriaMet")) return { type: "succeeded" };
  const s = job.status ?? {};
  const podsLeft = (s.active ?? 0) + (s.terminating ?? 0);
  if (job.spec?.suspend) {
    return podsLeft === 0 && trueCondition(job, "Suspended") ? { type: "stopped" } : {};
  }
  // A run on several nodes is running once every one of its pods is (or has finished).
  const pods = job.spec?.parallelism ?? 1;
  return (s.ready ?? 0) > 0 && (s.ready ?? 0) + (s.succeeded ?? 0) >= pods ? { type: "running" } : {};
}

/** The last report a previous executor (or this one) delivered for this Job, from its annotation. */
export function reportedOf(job: V1Job): ExecutorEventType | undefined {
  const v = job.metadata?.annotations?.[ANNOTATION_REPORTED];
  return v === "running" || v === "succeeded" || v === "failed" || v === "stopped" ? v : undefined;
}

export const isTerminal = (t: ExecutorEventType | undefined) =>
  t === "succeeded" || t === "failed" || t === "stopped";
