// A kubectl user of one team, not the cluster admin: a ServiceAccount of the team's namespace bound
// to the built-in `edit` ClusterRole there only, with a token from the TokenRequest API, written to
// a kubeconfig of its own. kubectl run with it acts as that user, as a member of the team would.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TestNamespace } from "./namespace.ts";

export async function teamUserKubeconfig(
  ns: TestNamespace,
  dir: string,
): Promise<{ path: string; user: string }> {
  const name = "member";
  await ns.core.createNamespacedServiceAccount({ namespace: ns.name, body: { metadata: { name } } });
  await ns.rbac.createNamespacedRoleBinding({
    namespace: ns.name,
    body: {
      metadata: { name: `${name}-edit` },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" },
      subjects: [{ kind: "ServiceAccount", name, namespace: ns.name }],
    },
  });
  const token = await ns.core.createNamespacedServiceAccountToken({
    name,
    namespace: ns.name,
    body: { spec: { expirationSeconds: 3600 } },
  });
  const cluster = ns.config.getCurrentCluster()!;
  const ca = cluster.caData ?? "";
  const path = join(dir, `${ns.name}-member.kubeconfig`);
  await writeFile(
    path,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "test", cluster: { server: cluster.server, "certificate-authority-data": ca } }],
      users: [{ name, user: { token: token.status!.token } }],
      contexts: [{ name, context: { cluster: "test", user: name, namespace: ns.name } }],
      "current-context": name,
    }),
    { mode: 0o600 },
  );
  return { path, user: `system:serviceaccount:${ns.name}:${name}` };
}
