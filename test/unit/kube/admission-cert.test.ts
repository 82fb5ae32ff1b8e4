// `berth admission-cert`, the serving certificate without cert-manager: what it prints is the
// Secret the Deployment mounts (a certificate the API server accepts for the `berth` Service, signed
// by the CA it prints) and both webhook configurations exactly as the manifests hold them, plus
// that CA as caBundle. Run as a user runs it: the `berth` command, its stdout.
import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { promisify } from "node:util";
import { loadAllYaml } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  mutatingConfiguration,
  validatingConfiguration,
} from "../../../src/adapters/kube/admission/registration.ts";

const run = promisify(execFile);

describe("berth admission-cert", () => {
  it("prints the serving Secret and the webhook configurations trusting its CA", async () => {
    const { stdout } = await run(process.execPath, [
      "bin/berth.js",
      "admission-cert",
      "--namespace",
      "gpu-sched",
    ]);
    const [secret, mutating, validating] = loadAllYaml(stdout) as [
      {
        kind: string;
        type: string;
        metadata: { name: string; namespace: string };
        data: Record<string, string>;
      },
      unknown,
      unknown,
    ];
    expect(secret).toMatchObject({
      kind: "Secret",
      type: "kubernetes.io/tls",
      metadata: { name: "berth-admission-tls", namespace: "gpu-sched" },
    });
    const pem = (k: string) => Buffer.from(secret.data[k] as string, "base64").toString();
    const cert = new X509Certificate(pem("tls.crt"));
    const ca = new X509Certificate(pem("ca.crt"));
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkHost("berth.gpu-sched.svc")).toBe("berth.gpu-sched.svc");
    expect(cert.checkHost("berth.berth.svc")).toBeUndefined();
    // The key is the certificate's.
    expect(
      cert.checkPrivateKey(await import("node:crypto").then((c) => c.createPrivateKey(pem("tls.key")))),
    ).toBe(true);
    const client = { service: { namespace: "gpu-sched", name: "berth" }, caPem: pem("ca.crt") };
    // Berth's own requests (its ServiceAccount in that namespace) are not sent to the webhooks.
    const berth = "system:serviceaccount:gpu-sched:berth";
    expect(mutating).toEqual(mutatingConfiguration(client, berth));
    expect(validating).toEqual(validatingConfiguration(client, berth));
  });
});
