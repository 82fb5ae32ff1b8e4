// The permissions the Kubernetes adapter uses, and nothing more: what Berth's ServiceAccount must be
// granted cluster-wide (a ClusterRole, since runs go to every team's namespace and nodes are
// cluster-scoped). test/kube/executor-rbac.test.ts runs the executor under exactly these rules.
import type { V1PolicyRule } from "@kubernetes/client-node";

export const EXECUTOR_RULES: V1PolicyRule[] = [
  // Runs: create, suspend and annotate (patch), find again (get/list), report (watch).
  { apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "get", "list", "watch", "patch"] },
  // Stopping with less grace than the pods were launched with deletes them again; the pod watch
  // (run-pod-watch.ts) sees runs' pods fail and GPUs used by pods Berth does not manage.
  { apiGroups: [""], resources: ["pods"], verbs: ["list", "watch", "delete"] },
  // Inventory discovery.
  { apiGroups: [""], resources: ["nodes"], verbs: ["list", "watch"] },
  // Team → namespace by the berth.dev/team label.
  { apiGroups: [""], resources: ["namespaces"], verbs: ["list"] },
  // Files a run mounts (the trainer entrypoint): created in the run's namespace, kept current.
  { apiGroups: [""], resources: ["configmaps"], verbs: ["create", "update"] },
];

/**
 * What Berth's admission needs besides: the team of a Job's namespace (its label, followed by a
 * watch, admission/namespace-teams.ts, and read directly when the watch has not seen it), and its webhook
 * configurations and policy, registered at start and removed at a graceful stop
 * (admission/registration.ts). Who Berth is (a SelfSubjectReview) every user may ask.
 */
export const ADMISSION_RULES: V1PolicyRule[] = [
  { apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list", "watch"] },
  {
    apiGroups: ["admissionregistration.k8s.io"],
    resources: [
      "mutatingwebhookconfigurations",
      "validatingwebhookconfigurations",
      "validatingadmissionpolicies",
      "validatingadmissionpolicybindings",
    ],
    verbs: ["create", "delete"],
  },
];

/**
 * The leader election (lease-leadership.ts), in Berth's own namespace only (a Role): read the
 * Lease, create it the first time, renew or take it over.
 */
export const LEADER_RULES: V1PolicyRule[] = [
  { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] },
];
