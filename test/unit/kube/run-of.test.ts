// Which run a Job on the cluster is: only the Job under the name Berth gives a run, never another
// Job that copies its labels (a forged Job whose pod writes a passing A/B summary, for one).
import type { V1Job } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { runOf } from "../../../src/adapters/kube/run-status.ts";
import { runJobName, runLabels } from "../../../src/basics/job-names.ts";

const labels = runLabels({ job: "j-7", attempt: 2, team: "vision" });
const job = (name: string, l: Record<string, string> = labels): V1Job => ({
  metadata: { name, namespace: "team-vision", labels: l },
});

describe("runOf", () => {
  it("reads the run of the Job Berth named for it", () => {
    expect(runOf(job(runJobName("j-7", 2)))).toEqual({ job: "j-7", attempt: 2 });
  });

  it("takes no other Job for the run, whatever labels it carries", () => {
    expect(runOf(job("forged-verdict"))).toBeUndefined();
    expect(runOf(job(runJobName("j-7", 1)))).toBeUndefined(); // another attempt's name
  });

  it("ignores Jobs without a run's labels", () => {
    expect(runOf(job(runJobName("j-7", 2), {}))).toBeUndefined();
    expect(runOf(job("berth-j-7-0", { ...labels, "berth.dev/attempt": "0" }))).toBeUndefined();
  });
});
