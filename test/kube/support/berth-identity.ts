// Berth on the test cluster acts as the ServiceAccount the Kustomize base binds, with exactly the
// base's RBAC: the base's Namespace, ServiceAccount, roles and bindings are applied from
// `kubectl kustomize k8s` (nothing else of it: the cluster has no image to run), a token is minted
// for the ServiceAccount (TokenRequest), and a kubeconfig carrying it is written next to the
// admin's. Tests that start Berth use that kubeconfig, so a verb the manifests lack fails a test.
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { dumpYaml, KubeConfig, loadAllYaml } from "@kubernetes/client-node";

const KINDS = new Set([
  "Namespace",
  "ServiceAccount",
  "ClusterRole",
  "ClusterRoleBinding",
  "Role",
  "RoleBinding",
]);

function run(kubectl: string, args: string[], input = ""): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(kubectl, args);
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`kubectl ${args.join(" ")}: ${err.trim()}`)),
    );
    child.stdin.end(input);
  });
}

/** Applies the base's identity objects and returns the path of a kubeconfig acting as berth/berth. */
export async function bindBerthServiceAccount(o: {
  readonly kubectl: string;
  readonly kubeconfig: string;
  readonly dir: string;
  readonly repoRoot: string;
}): Promise<string> {
  const k = (args: string[], input?: string) =>
    run(o.kubectl, ["--kubeconfig", o.kubeconfig, ...args], input);
  const base = loadAllYaml(await k(["kustomize", join(o.repoRoot, "k8s")])) as { kind: string }[];
  const identity = base.filter((obj) => KINDS.has(obj.kind));
  await k(["apply", "-f", "-"], identity.map((obj) => dumpYaml(obj)).join("---\n"));
  const token = (await k(["create", "token", "berth", "-n", "berth", "--duration=24h"])).trim();
  const admin = new KubeConfig();
  admin.loadFromFile(o.kubeconfig);
  const asBerth = new KubeConfig();
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error("the admin kubeconfig names no cluster");
  asBerth.loadFromClusterAndUser(cluster, { name: "system:serviceaccount:berth:berth", token });
  const path = join(o.dir, "berth-serviceaccount.kubeconfig");
  await writeFile(path, asBerth.exportConfig(), { mode: 0o600 });
  return path;
}
