// Runs the test cluster's kubectl (.berth/bin/kubectl, the version the cluster was built at) as
// its admin, the way a kubectl user would; returns exit code and output instead of throwing.
import { spawn } from "node:child_process";
import { inject } from "vitest";

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function kubectl(args: string[], input?: string): Promise<KubectlResult> {
  return kubectlWith(inject("kubeconfig"), args, input);
}

/** kubectl with another user's kubeconfig (a team member's, test/kube/support/team-user.ts). */
export function kubectlWith(kubeconfig: string, args: string[], input?: string): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(inject("kubectl"), ["--kubeconfig", kubeconfig, ...args]);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}
