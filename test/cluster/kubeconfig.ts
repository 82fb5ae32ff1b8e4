// Writes a kubeconfig for one identity of the test cluster, with the CA and client certificate
// embedded so the file stays valid when copied (e.g. to .berth/kubeconfig).
import { readFile, writeFile } from "node:fs/promises";

export interface KubeconfigInput {
  server: string;
  caCert: string;
  clientCert: string;
  clientKey: string;
  user: string;
}

const base64 = async (path: string) => (await readFile(path)).toString("base64");

export async function writeKubeconfig(path: string, input: KubeconfigInput): Promise<void> {
  const text = [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: berth-test",
    "  cluster:",
    `    server: ${input.server}`,
    `    certificate-authority-data: ${await base64(input.caCert)}`,
    "users:",
    `- name: ${input.user}`,
    "  user:",
    `    client-certificate-data: ${await base64(input.clientCert)}`,
    `    client-key-data: ${await base64(input.clientKey)}`,
    "contexts:",
    "- name: berth-test",
    "  context:",
    "    cluster: berth-test",
    `    user: ${input.user}`,
    "current-context: berth-test",
    "",
  ].join("\n");
  await writeFile(path, text, { mode: 0o600 });
}
