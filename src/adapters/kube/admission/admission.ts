// Berth's admission, outside the cluster (BERTH_ADMISSION_URL=https://127.0.0.1:PORT): the CA and
// serving certificate from the data directory, the webhook server on that address, and the
// webhooks and policy registered with that URL and CA; `close` removes them and stops the server.
import { AdmissionregistrationV1Api, AuthenticationV1Api, type KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { KubectlJobCheck } from "../../../services/ports.ts";
import { translateKubeError } from "../kube-errors.ts";
import { type AdmissionReviewOutcome, startAdmissionServer } from "./admission-server.ts";
import { ensureAdmissionTls } from "./certificates.ts";
import { watchNamespaceTeams } from "./namespace-teams.ts";
import { registerAdmission, unregisterAdmission } from "./registration.ts";

export interface AdmissionOptions {
  readonly kubeconfig: KubeConfig;
  readonly url: string;
  readonly dataDir: string;
  readonly check: KubectlJobCheck;
  readonly logger: Logger;
  readonly now: number;
  readonly onReview?: (review: AdmissionReviewOutcome) => void;
}

/** The user name the API server gives Berth's credentials (a SelfSubjectReview). */
export async function whoAmI(kc: KubeConfig): Promise<string> {
  try {
    const review = await kc.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    const name = review.status?.userInfo?.username;
    if (!name) throw new Error("the API server did not say who Berth is");
    return name;
  } catch (err) {
    throw translateKubeError(err, "asking who Berth is (SelfSubjectReview)");
  }
}

export async function startAdmission(
  o: AdmissionOptions,
): Promise<{ berthUser: string; close(): Promise<void> }> {
  const url = new URL(o.url);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const tls = await ensureAdmissionTls(o.dataDir, [host], o.now);
  const berthUser = await whoAmI(o.kubeconfig);
  const namespaces = watchNamespaceTeams({
    kubeconfig: o.kubeconfig,
    onError: (err) => o.logger.warn({ err }, "watching namespaces' teams"),
  });
  const { server } = await startAdmissionServer({
    tls,
    host,
    port: Number(url.port || 443),
    berthUser,
    teamOf: namespaces.teamOf,
    check: o.check,
    logger: o.logger,
    ...(o.onReview ? { onReview: o.onReview } : {}),
  }).catch((err: unknown) => {
    namespaces.stop();
    throw err;
  });
  const api = o.kubeconfig.makeApiClient(AdmissionregistrationV1Api);
  try {
    await registerAdmission(api, { url: url.origin, caPem: tls.caPem }, berthUser);
  } catch (err) {
    namespaces.stop();
    server.close();
    throw err;
  }
  o.logger.info({ url: url.origin, berthUser }, "admission webhooks registered");
  return {
    berthUser,
    async close() {
      await unregisterAdmission(api).catch((err) =>
        o.logger.warn({ err }, "removing the admission webhooks failed"),
      );
      namespaces.stop();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
