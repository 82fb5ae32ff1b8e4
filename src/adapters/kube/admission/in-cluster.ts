// Berth's admission inside a cluster: the webhook configurations are the manifests' (k8s/admission,
// pointing at the `berth` Service), so nothing is registered here; each replica serves the webhooks
// with the serving certificate mounted from the Secret berth-admission-tls (issued by cert-manager,
// or by `berth admission-cert`). The files are read again every minute, so a renewed certificate
// is served without a restart.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { KubectlJobCheck } from "../../../services/ports.ts";
import { whoAmI } from "./admission.ts";
import { type AdmissionReviewOutcome, startAdmissionServer } from "./admission-server.ts";
import { watchNamespaceTeams } from "./namespace-teams.ts";

const RELOAD_MS = 60_000;

async function readServingCertificate(dir: string) {
  const [certPem, keyPem] = await Promise.all([
    readFile(join(dir, "tls.crt"), "utf8"),
    readFile(join(dir, "tls.key"), "utf8"),
  ]);
  return { caPem: "", certPem, keyPem };
}

export async function serveAdmissionInCluster(o: {
  readonly kubeconfig: KubeConfig;
  readonly tlsDir: string;
  readonly port: number;
  readonly check: KubectlJobCheck;
  readonly logger: Logger;
  readonly onReview?: (review: AdmissionReviewOutcome) => void;
}): Promise<{ close(): Promise<void> }> {
  let tls = await readServingCertificate(o.tlsDir);
  const berthUser = await whoAmI(o.kubeconfig);
  const namespaces = watchNamespaceTeams({
    kubeconfig: o.kubeconfig,
    onError: (err) => o.logger.warn({ err }, "watching namespaces' teams"),
  });
  const { server, port } = await startAdmissionServer({
    tls,
    host: "0.0.0.0",
    port: o.port,
    berthUser,
    teamOf: namespaces.teamOf,
    check: o.check,
    logger: o.logger,
    ...(o.onReview ? { onReview: o.onReview } : {}),
  }).catch((err: unknown) => {
    namespaces.stop();
    throw err;
  });
  o.logger.info({ port, berthUser, tlsDir: o.tlsDir }, "admission webhooks served");
  const reload = setInterval(() => {
    readServingCertificate(o.tlsDir).then(
      (next) => {
        if (next.certPem === tls.certPem && next.keyPem === tls.keyPem) return;
        server.setSecureContext({ cert: next.certPem, key: next.keyPem });
        tls = next;
        o.logger.info("admission serving certificate renewed");
      },
      (err: unknown) => o.logger.warn({ err }, "reading the admission serving certificate failed"),
    );
  }, RELOAD_MS);
  reload.unref();
  return {
    async close() {
      clearInterval(reload);
      namespaces.stop();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
