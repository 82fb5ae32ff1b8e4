// The executor with one namespace per team: a run goes to the namespace labelled with its team
// (berth.dev/team), Jobs are watched cluster-wide, and stop/known find runs wherever they are.
import { randomBytes } from "node:crypto";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { namespaceByTeamLabel } from "../../src/adapters/kube/team-namespaces.ts";
import { runJobName } from "../../src/basics/job-names.ts";
import { launchOrder, recordedExecutor } from "./support/executor.ts";
import { type TestNamespace, useNamespace } from "./support/namespace.ts";
import { jobPods } from "./support/pods.ts";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

async function bindTeam(ns: TestNamespace): Promise<string> {
  const team = `team-${randomBytes(3).toString("hex")}`;
  await ns.core.patchNamespace(
    { name: ns.name, body: { metadata: { labels: { "berth.dev/team": team } } } },
    mergePatch,
  );
  return team;
}

describe("the Kubernetes executor with a namespace per team", () => {
  const nsA = useNamespace("executor-team-a");
  const nsB = useNamespace("executor-team-b");

  it("runs each team's work in its own namespace and reports both from one cluster-wide watch", async () => {
    const [teamA, teamB] = [await bindTeam(nsA), await bindTeam(nsB)];
    const rec = await recordedExecutor(nsA, {
      namespace: namespaceByTeamLabel(nsA.core),
      // The pool's share of CPU and memory per GPU comes with the GPUs.
      perGpu: () => ({ cpuMilli: 8000, memoryMiB: 65536 }),
    });
    try {
      const a = { ...launchOrder({ node: "v100-2", gpus: 2 }), team: teamA };
      const b = { ...launchOrder({ node: "t4-0", durationSeconds: 0.5 }), team: teamB };
      await rec.executor.launch(a);
      await rec.executor.launch(b);
      await rec.event(a.job, "running");
      await rec.event(b.job, "succeeded");
      expect(rec.typesOf(b.job)).toEqual(["running", "succeeded"]);

      const [podA] = await jobPods(nsA.core, nsA.name, runJobName(a.job, 1));
      expect(podA?.spec?.nodeName).toBe("v100-2");
      expect(podA?.spec?.containers[0]?.resources?.requests).toEqual({
        "nvidia.com/gpu": "2",
        cpu: "16", // the API server writes 16000m and 131072Mi in canonical form
        memory: "128Gi",
      });
      expect(await jobPods(nsB.core, nsB.name, runJobName(b.job, 1))).toHaveLength(1);
      const known = await rec.executor.known();
      // Each with the team whose namespace it lives in (the one its labels name).
      expect(known).toContainEqual({ job: a.job, attempt: 1, team: teamA });
      expect(known).toContainEqual({ job: b.job, attempt: 1, team: teamB });

      await rec.executor.stop(a.job, 1, Date.now());
      await rec.event(a.job, "stopped");
      expect(await jobPods(nsA.core, nsA.name, runJobName(a.job, 1))).toEqual([]);
    } finally {
      await rec.executor.close();
    }
  });

  it("refuses a run for a team no namespace is bound to, creating nothing", async () => {
    const rec = await recordedExecutor(nsA, { namespace: namespaceByTeamLabel(nsA.core) });
    try {
      const order = { ...launchOrder(), team: "team-without-namespace" };
      await expect(rec.executor.launch(order)).rejects.toMatchObject({
        code: "invalid-state",
        message: expect.stringContaining("berth.dev/team=team-without-namespace"),
      });
      const jobs = await nsA.batch.listJobForAllNamespaces({ labelSelector: `berth.dev/job=${order.job}` });
      expect(jobs.items).toEqual([]);
    } finally {
      await rec.executor.close();
    }
  });
});
