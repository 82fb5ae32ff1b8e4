// Berth's admission as it runs inside a cluster: the webhook configurations come from the
// manifests, so Berth registers nothing and serves the webhooks with the certificate mounted from
// the Secret berth-admission-tls (here the files `berth admission-cert` printed). The API server's
// side is played by a client that trusts only the printed CA and checks the Service's name.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AdmissionregistrationV1Api, loadAllYaml } from "@kubernetes/client-node";
import { afterAll, describe, expect, inject, it } from "vitest";
import { freePort } from "../support/berth-process.ts";
import { type Berth, listeningUrl, serve, stopBerth } from "./support/berth-serve.ts";
import { useNamespace } from "./support/namespace.ts";

function review(
  port: number,
  ca: string,
  path: string,
  body: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: the test reads arbitrary JSON bodies
): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: "POST",
        ca,
        servername: "berth.berth.svc",
        headers: { "content-type": "application/json" },
      },
      (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

describe("admission inside a cluster (BERTH_ADMISSION_TLS_DIR)", () => {
  const ns = useNamespace("admission-in-cluster");
  let dir = "";
  let berth: Berth | undefined;
  afterAll(async () => {
    await stopBerth(berth);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("serves the webhooks with the mounted certificate and registers nothing", async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-admission-tls-"));
    const printed = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ["bin/berth.js", "admission-cert"], (err, out) =>
        err ? reject(err) : resolve(out),
      ),
    );
    const secret = (loadAllYaml(printed) as { kind: string; data: Record<string, string> }[]).find(
      (o) => o.kind === "Secret",
    )!;
    // The files as the kubelet mounts a Secret: one per key, decoded.
    const tlsDir = join(dir, "tls");
    await mkdir(tlsDir);
    for (const [k, v] of Object.entries(secret.data))
      await writeFile(join(tlsDir, k), Buffer.from(v, "base64"));
    const port = await freePort();
    berth = serve({
      BERTH_DATA_DIR: join(dir, "data"),
      BERTH_ADMIN_TOKEN: `incluster-${randomBytes(12).toString("hex")}`,
      BERTH_EXECUTOR: "kubernetes",
      KUBECONFIG: inject("berthKubeconfig"),
      BERTH_NAMESPACE: ns.name,
      BERTH_ADMISSION_TLS_DIR: tlsDir,
      BERTH_ADMISSION_PORT: String(port),
    });
    await listeningUrl(berth);

    const ca = Buffer.from(secret.data["ca.crt"]!, "base64").toString();
    const mutated = await review(port, ca, "/mutate-jobs", {
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      request: {
        uid: "u-1",
        operation: "CREATE",
        namespace: ns.name,
        userInfo: { username: "someone" },
        object: {},
      },
    });
    expect(mutated.status).toBe(200);
    expect(mutated.body.response).toMatchObject({ uid: "u-1", allowed: true, patchType: "JSONPatch" });
    // Refused with a sentence: this namespace belongs to no team.
    const validated = await review(port, ca, "/validate-jobs", {
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      request: {
        uid: "u-2",
        operation: "CREATE",
        namespace: ns.name,
        userInfo: { username: "someone" },
        object: {
          metadata: { labels: { "berth.dev/reservation": "r-x" } },
          spec: { template: { spec: { containers: [] } } },
        },
      },
    });
    expect(validated.body.response.allowed).toBe(false);
    expect(validated.body.response.status.message).toMatch(/belongs to no team|does not exist/);
    // Nothing registered: the manifests own the configurations in a cluster.
    const api = ns.config.makeApiClient(AdmissionregistrationV1Api);
    const names = (await api.listValidatingWebhookConfiguration()).items.map((c) => c.metadata?.name);
    expect(names).not.toContain("berth-jobs");
  });
});
