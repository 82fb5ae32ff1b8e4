// The objects `berth admission-cert` prints: the serving certificate as the Secret the Deployment
// mounts (berth-admission-tls, the same name and keys cert-manager writes), and the two webhook
// configurations exactly as k8s/admission holds them, with the new CA as caBundle.
import { dumpYaml } from "@kubernetes/client-node";
import { issueAdmissionTls } from "./certificates.ts";
import { mutatingConfiguration, serviceAccountUser, validatingConfiguration } from "./registration.ts";

export const SERVING_SECRET = "berth-admission-tls";

/** The DNS names the API server may use for a Service. */
export function serviceNames(namespace: string, service: string): string[] {
  return [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
  ];
}

export function admissionCertManifests(o: { namespace: string; service: string; now: number }): string {
  const tls = issueAdmissionTls(serviceNames(o.namespace, o.service), o.now);
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  const secret = {
    apiVersion: "v1",
    kind: "Secret",
    type: "kubernetes.io/tls",
    metadata: { name: SERVING_SECRET, namespace: o.namespace },
    data: { "tls.crt": b64(tls.certPem), "tls.key": b64(tls.keyPem), "ca.crt": b64(tls.caPem) },
  };
  const client = { service: { namespace: o.namespace, name: o.service }, caPem: tls.caPem };
  const berthUser = serviceAccountUser(o.namespace);
  return [secret, mutatingConfiguration(client, berthUser), validatingConfiguration(client, berthUser)]
    .map((obj) => dumpYaml(obj))
    .join("---\n");
}
