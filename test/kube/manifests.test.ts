// The Kustomize base and the team overlay as a platform engineer applies them: the API server
// accepts every object (server-side dry run, so admission and schema checks run), and the
// ClusterRole grants exactly the rules the executor is tested under (executor-rbac.test.ts runs
// the executor with EXECUTOR_RULES alone, so a missing verb fails there and a drift fails here).
import { loadAllYaml, type V1ClusterRole, type V1PolicyRule, type V1Role } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  mutatingConfiguration,
  tolerationPolicy,
  tolerationPolicyBinding,
  validatingConfiguration,
} from "../../src/adapters/kube/admission/registration.ts";
import { ADMISSION_RULES, EXECUTOR_RULES, LEADER_RULES } from "../../src/adapters/kube/rbac.ts";
import { kubectl } from "./support/kubectl.ts";

/** One string per (group, resource, verb): rule order and grouping do not matter. */
function grants(rules: readonly V1PolicyRule[]): string[] {
  return rules
    .flatMap((r) =>
      (r.apiGroups ?? [""]).flatMap((g) =>
        (r.resources ?? []).flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`)),
      ),
    )
    .sort();
}

describe("k8s/ manifests", () => {
  it("render, and the ClusterRole grants exactly what the executor uses", async () => {
    const rendered = await kubectl(["kustomize", "k8s"]);
    expect(rendered.stderr).toBe("");
    const objects = loadAllYaml(rendered.stdout) as { kind: string; metadata: { name: string } }[];
    const role = objects.find(
      (o) => o.kind === "ClusterRole" && o.metadata.name === "berth",
    ) as V1ClusterRole;
    expect(grants(role.rules ?? [])).toEqual(grants([...EXECUTOR_RULES, ...ADMISSION_RULES]));
    // The Lease electing the leader: a Role in Berth's namespace only.
    const leaderRole = objects.find((o) => o.kind === "Role" && o.metadata.name === "berth-leader") as V1Role;
    expect(grants(leaderRole.rules ?? [])).toEqual(grants(LEADER_RULES));
    expect(objects.map((o) => o.kind)).toEqual(
      expect.arrayContaining([
        "Namespace",
        "ServiceAccount",
        "ClusterRoleBinding",
        "Deployment",
        "Service",
        "ConfigMap",
      ]),
    );
  });

  it("carry the admission webhooks and the toleration policy exactly as Berth registers them", async () => {
    const rendered = loadAllYaml((await kubectl(["kustomize", "k8s"])).stdout) as { kind: string }[];
    const client = { service: { namespace: "berth", name: "berth" }, caPem: "" };
    const expected = [
      mutatingConfiguration(client),
      validatingConfiguration(client),
      tolerationPolicy("system:serviceaccount:berth:berth"),
      tolerationPolicyBinding(),
    ];
    for (const want of expected) expect(rendered).toContainEqual(want);
  });

  // A server-side dry run cannot create a namespace for the objects that go in it: the namespaces
  // are created for real first (and removed after, unless they were there: the suite's global setup
  // keeps `berth` with the base's ServiceAccount), everything else only dry-run.
  it.each([
    ["k8s", "berth"],
    ["k8s/examples/team-vision", "vision"],
  ])("%s applies with a server-side dry run", async (dir, namespace) => {
    const created = (await kubectl(["create", "namespace", namespace])).code === 0;
    try {
      const result = await kubectl(["apply", "--dry-run=server", "-k", dir]);
      // Warnings (objects the test cluster made without kubectl apply) are not failures.
      expect(result.stderr.split("\n").filter((l) => l.startsWith("Error"))).toEqual([]);
      expect(result.code).toBe(0);
    } finally {
      if (created) await kubectl(["delete", "namespace", namespace, "--wait=false"]);
    }
  });

  it("the example training Job is valid for the API server", async () => {
    const result = await kubectl([
      "apply",
      "--dry-run=server",
      "-n",
      "default",
      "-f",
      "k8s/examples/training-job.yaml",
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });
});
