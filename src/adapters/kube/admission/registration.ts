// Registers Berth's admission webhooks and the ValidatingAdmissionPolicy under fixed names
// (stale ones from an earlier run are replaced at start; a graceful stop removes them).
//
// Selection and failure policy, so that unrelated work never waits on Berth: each webhook has an
// objectSelector on Berth's labels (a Job labelled berth.dev/reservation, or berth.dev/queue without
// a reservation label), so the API server never calls Berth for any other object, and an
// unavailable Berth can only hold up Jobs that asked for Berth. For those, failurePolicy Fail: a
// labelled Job that slipped past an absent Berth would start unsuspended and unchecked. Timeouts
// are short (5 s) so a hung Berth answers a kubectl user quickly.
//
// Berth's own requests are not sent at all (matchConditions on the requester's user name): its
// own Jobs and its patches of users' Jobs were allowed unchanged by the server anyway, and each
// review cost a round trip and CPU per launch (BENCHMARKS.md "Launch"). Berth's own Jobs are told
// by who creates them (docs/rules.md §5), never by a label: a kubectl user who copies the labels of
// Berth's Jobs is reviewed like any user (test/kube/admission.test.ts).
//
// The policy is evaluated by the API server itself (no call to Berth): the toleration of the
// managed taint may only be added by Berth (and, on Pods, by the Job controller, which copies it
// from a Job template Berth wrote). An object that already had the toleration keeps it (updates
// of finalizers, labels, deletion), so only adding it is refused.
import type {
  AdmissionregistrationV1Api,
  V1MutatingWebhookConfiguration,
  V1ValidatingAdmissionPolicy,
  V1ValidatingAdmissionPolicyBinding,
  V1ValidatingWebhookConfiguration,
} from "@kubernetes/client-node";
import { isNotFound, translateKubeError } from "../kube-errors.ts";
import { LABEL_QUEUE, LABEL_RESERVATION, MANAGED_TAINT_KEY } from "../labels.ts";

export const WEBHOOK_CONFIGURATION_NAME = "berth-jobs";
export const TOLERATION_POLICY_NAME = "berth-managed-toleration";
/** The ServiceAccount the k8s/ base runs Berth as (k8s/deploy/serviceaccount.yaml). */
export const BERTH_SERVICE_ACCOUNT = "berth";
/** The user name the API server gives Berth's ServiceAccount in a namespace. */
export const serviceAccountUser = (namespace: string) =>
  `system:serviceaccount:${namespace}:${BERTH_SERVICE_ACCOUNT}`;
/** The Job controller's identity (kube-controller-manager with --use-service-account-credentials). */
export const JOB_CONTROLLER_USER = "system:serviceaccount:kube-system:job-controller";

/** Where the API server reaches the webhooks: a URL (outside the cluster) or a Service. */
export type WebhookClient =
  | { readonly url: string; readonly caPem: string }
  | { readonly service: { readonly namespace: string; readonly name: string }; readonly caPem: string };

const SELECTORS = [
  { name: "reserved", matchExpressions: [{ key: LABEL_RESERVATION, operator: "Exists" }] },
  {
    name: "queued",
    matchExpressions: [
      { key: LABEL_QUEUE, operator: "Exists" },
      { key: LABEL_RESERVATION, operator: "DoesNotExist" },
    ],
  },
];

const cel = (s: string) => JSON.stringify(s);

function clientConfig(c: WebhookClient, path: string) {
  // No CA (the k8s/ manifests): whoever deploys Berth's certificate fills in its caBundle.
  const ca = c.caPem ? { caBundle: Buffer.from(c.caPem).toString("base64") } : {};
  return "url" in c
    ? { url: `${c.url.replace(/\/$/, "")}${path}`, ...ca }
    : { service: { ...c.service, path, port: 443 }, ...ca };
}

function webhooks(c: WebhookClient, path: string, operations: string[], berthUser: string) {
  return SELECTORS.map((s) => ({
    name: `${s.name}.jobs.berth.dev`,
    clientConfig: clientConfig(c, path),
    rules: [
      { apiGroups: ["batch"], apiVersions: ["v1"], resources: ["jobs"], operations, scope: "Namespaced" },
    ],
    objectSelector: { matchExpressions: s.matchExpressions },
    matchConditions: [{ name: "not-berth", expression: `request.userInfo.username != ${cel(berthUser)}` }],
    failurePolicy: "Fail",
    sideEffects: "None",
    admissionReviewVersions: ["v1"],
    timeoutSeconds: 5,
    matchPolicy: "Equivalent",
  }));
}

export function mutatingConfiguration(c: WebhookClient, berthUser: string): V1MutatingWebhookConfiguration {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "MutatingWebhookConfiguration",
    metadata: { name: WEBHOOK_CONFIGURATION_NAME },
    webhooks: webhooks(c, "/mutate-jobs", ["CREATE"], berthUser).map((w) => ({
      ...w,
      reinvocationPolicy: "Never",
    })),
  };
}

export function validatingConfiguration(
  c: WebhookClient,
  berthUser: string,
): V1ValidatingWebhookConfiguration {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingWebhookConfiguration",
    metadata: { name: WEBHOOK_CONFIGURATION_NAME },
    webhooks: webhooks(c, "/validate-jobs", ["CREATE", "UPDATE"], berthUser),
  };
}

export function tolerationPolicy(berthUser: string): V1ValidatingAdmissionPolicy {
  const tolerates = (o: string) =>
    `(${o}.kind == 'Pod' ? (has(${o}.spec.tolerations) ? ${o}.spec.tolerations : []) : ` +
    `(has(${o}.spec.template.spec.tolerations) ? ${o}.spec.template.spec.tolerations : []))` +
    `.exists(t, has(t.key) && t.key == ${cel(MANAGED_TAINT_KEY)})`;
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: TOLERATION_POLICY_NAME },
    spec: {
      failurePolicy: "Fail",
      matchConstraints: {
        resourceRules: [
          { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["pods"] },
          {
            apiGroups: ["batch"],
            apiVersions: ["v1"],
            operations: ["CREATE", "UPDATE"],
            resources: ["jobs"],
          },
        ],
      },
      validations: [
        {
          expression:
            `request.userInfo.username == ${cel(berthUser)} || ` +
            `(object.kind == 'Pod' && request.userInfo.username == ${cel(JOB_CONTROLLER_USER)}) || ` +
            `!${tolerates("object")} || (oldObject != null && ${tolerates("oldObject")})`,
          message: `the toleration of ${MANAGED_TAINT_KEY} is Berth's to give: label the Job berth.dev/reservation=<id> or berth.dev/queue=default and Berth adds it when it admits the Job`,
          reason: "Forbidden",
        },
      ],
    },
  };
}

export function tolerationPolicyBinding(): V1ValidatingAdmissionPolicyBinding {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicyBinding",
    metadata: { name: TOLERATION_POLICY_NAME },
    spec: { policyName: TOLERATION_POLICY_NAME, validationActions: ["Deny"] },
  };
}

async function ignoreMissing(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** Removes the four objects (those that exist). */
export async function unregisterAdmission(api: AdmissionregistrationV1Api): Promise<void> {
  const name = WEBHOOK_CONFIGURATION_NAME;
  const policy = TOLERATION_POLICY_NAME;
  try {
    await ignoreMissing(api.deleteMutatingWebhookConfiguration({ name }));
    await ignoreMissing(api.deleteValidatingWebhookConfiguration({ name }));
    await ignoreMissing(api.deleteValidatingAdmissionPolicyBinding({ name: policy }));
    await ignoreMissing(api.deleteValidatingAdmissionPolicy({ name: policy }));
  } catch (err) {
    throw translateKubeError(err, "removing Berth's admission webhooks and policy");
  }
}

/** Registers the webhooks and the policy, replacing whatever an earlier run left under their names. */
export async function registerAdmission(
  api: AdmissionregistrationV1Api,
  client: WebhookClient,
  berthUser: string,
): Promise<void> {
  await unregisterAdmission(api);
  try {
    await api.createValidatingAdmissionPolicy({ body: tolerationPolicy(berthUser) });
    await api.createValidatingAdmissionPolicyBinding({ body: tolerationPolicyBinding() });
    await api.createMutatingWebhookConfiguration({ body: mutatingConfiguration(client, berthUser) });
    await api.createValidatingWebhookConfiguration({ body: validatingConfiguration(client, berthUser) });
  } catch (err) {
    throw translateKubeError(err, "registering Berth's admission webhooks and policy");
  }
}
