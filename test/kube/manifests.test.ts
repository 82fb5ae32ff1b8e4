// The Kustomize base and the team overlay as a platform engineer applies them: the API server
// accepts every object (server-side dry run, so admission and schema checks run), and the
// ClusterRole grants exactly the rules the executor is tested under (executor-rbac.test.ts runs
// the executor with EXECUTOR_RULES alone, so a missing verb fails there and a drift fails here).

import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
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
    const berth = "system:serviceaccount:berth:berth";
    const expected = [
      mutatingConfiguration(client, berth),
      validatingConfiguration(client, berth),
      tolerationPolicy(berth),
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

  it("without cert-manager, what berth admission-cert prints applies with a server-side dry run", async () => {
    const printed = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ["bin/berth.js", "admission-cert"], (err, out) =>
        err ? reject(err) : resolve(out),
      ),
    );
    const result = await kubectl(["apply", "--dry-run=server", "-f", "-"], printed);
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("secret/berth-admission-tls created (server dry run)");
    expect(result.code).toBe(0);
  });

  // The test cluster has no cert-manager (its CRDs are absent), so the component is checked on what
  // it renders: the serving certificate is the Secret the Deployment mounts, for the Service's
  // names, issued by a CA that a self-signed Issuer makes, and both webhook configurations ask
  // cert-manager to inject that certificate's CA.
  it("with the cert-manager component, render a certificate the Deployment mounts and the webhooks trust", async () => {
    const overlay = await mkdtemp(join(tmpdir(), "berth-cert-manager-"));
    try {
      const base = relative(overlay, resolve("k8s"));
      await writeFile(
        join(overlay, "kustomization.yaml"),
        `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [${base}]\ncomponents: [${base}/components/cert-manager]\n`,
      );
      const rendered = await kubectl(["kustomize", overlay]);
      expect(rendered.stderr).toBe("");
      // biome-ignore lint/suspicious/noExplicitAny: rendered objects of several kinds
      const objects = loadAllYaml(rendered.stdout) as any[];
      const find = (kind: string, name: string) =>
        objects.find(
          (o) => o.kind === kind && o.metadata.name === name && (o.metadata.namespace ?? "berth") === "berth",
        );
      const deployment = find("Deployment", "berth");
      const mounted = deployment.spec.template.spec.volumes.find((v: { secret?: unknown }) => v.secret).secret
        .secretName;
      const serving = objects.find((o) => o.kind === "Certificate" && o.spec.secretName === mounted);
      expect(serving, `a Certificate writing ${mounted}`).toBeDefined();
      const service = find("Service", "berth");
      expect(serving.spec.dnsNames).toContain(`${service.metadata.name}.${service.metadata.namespace}.svc`);
      const caIssuer = find("Issuer", serving.spec.issuerRef.name);
      const ca = objects.find(
        (o) => o.kind === "Certificate" && o.spec.secretName === caIssuer.spec.ca.secretName,
      );
      expect(ca.spec.isCA).toBe(true);
      expect(find("Issuer", ca.spec.issuerRef.name).spec.selfSigned).toEqual({});
      for (const kind of ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"]) {
        const hooks = objects.find((o) => o.kind === kind);
        expect(hooks.metadata.annotations["cert-manager.io/inject-ca-from"]).toBe(
          `berth/${serving.metadata.name}`,
        );
        for (const w of hooks.webhooks)
          expect(w.clientConfig.service).toMatchObject({ name: "berth", namespace: "berth" });
      }
      // The component adds and annotates; everything else is the base unchanged.
      const plain = loadAllYaml((await kubectl(["kustomize", "k8s"])).stdout) as { kind: string }[];
      expect(objects.filter((o) => !["Certificate", "Issuer"].includes(o.kind))).toHaveLength(plain.length);
    } finally {
      await rm(overlay, { recursive: true, force: true });
    }
  });
});
