// kubectl users and Berth's admission on the test cluster: `berth serve` with
// BERTH_ADMISSION_URL serves its webhooks on loopback and registers them with the API server, and a
// team member (a ServiceAccount bound to `edit` in the team's namespace, not the admin) applies
// Jobs with the cluster's own kubectl. Tests read kubectl's stderr: what the user sees.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AdmissionregistrationV1Api, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../cluster/wait.ts";
import { makeTeamNamespace, serveWithAdmission } from "./support/admission.ts";
import { type Berth, listeningUrl } from "./support/berth-serve.ts";
import { kubectlWith } from "./support/kubectl.ts";
import { useNamespace } from "./support/namespace.ts";
import { teamUserKubeconfig } from "./support/team-user.ts";

const GRID_MS = 15 * 60_000;
const ADMIN_TOKEN = `admission-admin-${randomBytes(12).toString("hex")}`;

function jobYaml(o: {
  name: string;
  labels: Record<string, string>;
  gpus?: number;
  parallelism?: number;
  suspend?: boolean;
  toleration?: boolean;
}): string {
  return JSON.stringify({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: o.name, labels: o.labels },
    spec: {
      ...(o.parallelism ? { parallelism: o.parallelism, completions: o.parallelism } : {}),
      ...(o.suspend !== undefined ? { suspend: o.suspend } : {}),
      template: {
        spec: {
          restartPolicy: "Never",
          ...(o.toleration
            ? {
                tolerations: [
                  { key: "berth.dev/managed", operator: "Equal", value: "true", effect: "NoSchedule" },
                ],
              }
            : {}),
          containers: [
            {
              name: "main",
              image: "berth.invalid/sim:1",
              resources: { limits: { "nvidia.com/gpu": String(o.gpus ?? 1) } },
            },
          ],
        },
      },
    },
  });
}

describe("kubectl Jobs under Berth's admission webhooks", () => {
  const ns = useNamespace("admission");
  let dataDir: string;
  let berth: Berth;
  let url: string;
  let member: { path: string; user: string };
  const team = `adm-${randomBytes(3).toString("hex")}`;
  const other = `${team}-other`;
  let reservation: string;
  let othersReservation: string;
  const asMember = (args: string[], input?: string) =>
    kubectlWith(member.path, ["-n", ns.name, ...args], input);
  /** `kubectl patch job NAME --type=merge` as the team member. */
  const mergePatchAsMember = (name: string, patch: object) =>
    asMember(["patch", "job", name, "--type=merge", "-p", JSON.stringify(patch)]);
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as { id: string } };
  };
  const book = async (forTeam: string) => {
    const start = Math.floor(Date.now() / GRID_MS) * GRID_MS + 4 * GRID_MS;
    const r = await api("POST", "/reservations", {
      team: forTeam,
      pool: "t4",
      nodes: 1,
      gpusPerNode: 2,
      start: new Date(start).toISOString(),
      end: new Date(start + 4 * GRID_MS).toISOString(),
      priority: "normal",
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.id;
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "berth-admission-"));
    await makeTeamNamespace(ns, team);
    member = await teamUserKubeconfig(ns, dataDir);
    berth = await serveWithAdmission({ dataDir, adminToken: ADMIN_TOKEN });
    url = await listeningUrl(berth);
    for (const t of [team, other]) expect((await api("POST", "/teams", { name: t })).status).toBe(201);
    reservation = await book(team);
    othersReservation = await book(other);
    // The API server picks up new webhook configurations and policies within a moment: wait until
    // a server-side dry run of a refused Job is refused.
    await waitFor(
      "the webhooks and the policy to be in force",
      async () => {
        const hook = await asMember(
          ["apply", "--dry-run=server", "-f", "-"],
          jobYaml({ name: "probe", labels: { "berth.dev/reservation": "r-none" } }),
        );
        const policy = await asMember(
          ["apply", "--dry-run=server", "-f", "-"],
          jobYaml({ name: "probe", labels: {}, toleration: true }),
        );
        return hook.stderr.includes("denied") && policy.stderr.includes("denied");
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  });

  afterAll(async () => {
    if (berth && berth.child.exitCode === null) {
      berth.child.kill("SIGTERM");
      await berth.exited;
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("creates a Job labelled with the team's reservation, suspended until Berth admits it", async () => {
    const r = await asMember(
      ["apply", "-f", "-"],
      jobYaml({ name: "mine", labels: { "berth.dev/reservation": reservation }, gpus: 2 }),
    );
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("job.batch/mine created");
    const job = await ns.batch.readNamespacedJob({ name: "mine", namespace: ns.name });
    expect(job.spec?.suspend).toBe(true);
  });

  it.each([
    [
      "an unknown reservation",
      { "berth.dev/reservation": "r-does-not-exist" },
      1,
      "reservation r-does-not-exist does not exist",
    ],
    [
      "another team's reservation",
      () => ({ "berth.dev/reservation": othersReservation }),
      1,
      "belongs to team",
    ],
    [
      "more GPUs than the reservation's shape",
      () => ({ "berth.dev/reservation": reservation }),
      3,
      "more than reservation",
    ],
    [
      "a queued Job without a pool",
      { "berth.dev/queue": "default" },
      1,
      "names its pool with the label berth.dev/pool",
    ],
  ] as const)("refuses %s, with a message kubectl prints", async (_what, labels, gpus, message) => {
    const r = await asMember(
      ["apply", "-f", "-"],
      jobYaml({ name: "refused", labels: typeof labels === "function" ? labels() : labels, gpus }),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("denied the request");
    expect(r.stderr).toContain(message);
  });

  it("creates a Job that asks for suspend: false suspended all the same, and refuses a later unsuspend", async () => {
    // The API server defaults spec.suspend to false before webhooks see a Job: asked for or not,
    // a new Job is made suspended.
    const created = await asMember(
      ["apply", "-f", "-"],
      jobYaml({ name: "eager", labels: { "berth.dev/reservation": reservation }, suspend: false }),
    );
    expect(created.stdout.trim()).toBe("job.batch/eager created");
    expect((await ns.batch.readNamespacedJob({ name: "eager", namespace: ns.name })).spec?.suspend).toBe(
      true,
    );
    const patched = await mergePatchAsMember("eager", { spec: { suspend: false } });
    expect(patched.code).not.toBe(0);
    expect(patched.stderr).toContain("denied the request: spec.suspend: false is Berth's to set");
  });

  it("refuses Berth's own annotations on a user's Job, on create and on a later patch", async () => {
    const forged = JSON.parse(jobYaml({ name: "forged", labels: { "berth.dev/reservation": reservation } }));
    forged.metadata.annotations = { "berth.dev/attempt": "1" };
    const created = await asMember(["apply", "-f", "-"], JSON.stringify(forged));
    expect(created.code).not.toBe(0);
    expect(created.stderr).toContain(
      "denied the request: annotation berth.dev/attempt on the Job is Berth's to set",
    );
    const patched = await mergePatchAsMember("eager", {
      metadata: { annotations: { "berth.dev/reported": "1:succeeded" } },
    });
    expect(patched.code).not.toBe(0);
    expect(patched.stderr).toContain(
      "denied the request: annotation berth.dev/reported on the Job is Berth's to set",
    );
  });

  it("refuses the managed taint's toleration on a Job or a Pod that is not Berth's (the API server's own policy)", async () => {
    const job = await asMember(
      ["apply", "-f", "-"],
      jobYaml({ name: "sneaky", labels: {}, toleration: true }),
    );
    expect(job.code).not.toBe(0);
    expect(job.stderr).toContain("ValidatingAdmissionPolicy 'berth-managed-toleration'");
    expect(job.stderr).toContain("denied request");
    const pod = await asMember([
      "run",
      "sneaky-pod",
      "--image=berth.invalid/sim:1",
      "--restart=Never",
      "--overrides",
      JSON.stringify({ spec: { tolerations: [{ key: "berth.dev/managed", operator: "Exists" }] } }),
    ]);
    expect(pod.code).not.toBe(0);
    expect(pod.stderr).toContain("berth-managed-toleration");
  });

  it("leaves unlabelled work alone: Berth is never asked about it", async () => {
    const r = await asMember(["apply", "-f", "-"], jobYaml({ name: "unrelated", labels: {}, gpus: 0 }));
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("job.batch/unrelated created");
    const job = await ns.batch.readNamespacedJob({ name: "unrelated", namespace: ns.name });
    expect(job.spec?.suspend).toBe(false);
  });

  /** Reviews Berth has answered so far (its metrics): every webhook and verdict together. */
  const reviewsAnswered = async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    return text
      .split("\n")
      .filter((l) => l.startsWith("berth_admission_review_duration_seconds_count"))
      .reduce((n, l) => n + Number(l.split(" ").pop()), 0);
  };
  const dryRun = (o: Parameters<typeof jobYaml>[0]) =>
    ns.batch.createNamespacedJob({ namespace: ns.name, body: JSON.parse(jobYaml(o)), dryRun: "All" });

  it("never asks its webhooks about its own requests, and still reviews every kubectl user's", async () => {
    // Berth runs as the cluster's admin in this file: the admin's requests are Berth's own. A
    // labelled Job it creates (a server-side dry run: the webhooks would be called all the same)
    // reaches neither webhook, even one the webhook would refuse.
    const before = await reviewsAnswered();
    await dryRun({ name: "berths-own", labels: { "berth.dev/reservation": "r-does-not-exist" } });
    expect(await reviewsAnswered()).toBe(before);
    // A team member's labelled Job goes through both (mutate, then validate).
    const r = await asMember(
      ["apply", "--dry-run=server", "-f", "-"],
      jobYaml({ name: "members", labels: { "berth.dev/reservation": reservation } }),
    );
    expect(r.stderr).toBe("");
    expect(await reviewsAnswered()).toBe(before + 2);
  });

  it("reviews a kubectl user's Job that copies the labels of Berth's own Jobs like any other", async () => {
    // Berth's own Jobs are told by who creates them, not by a label a user could copy.
    const berthsLabels = {
      "app.kubernetes.io/managed-by": "berth",
      "berth.dev/job": "j-copied",
      "berth.dev/attempt": "1",
      "berth.dev/team": team,
    };
    const refused = await asMember(
      ["apply", "-f", "-"],
      jobYaml({
        name: "lookalike",
        labels: { ...berthsLabels, "berth.dev/reservation": "r-does-not-exist" },
      }),
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("denied the request");
    expect(refused.stderr).toContain("reservation r-does-not-exist does not exist");
    // The mark of Berth's own Jobs is refused by name: the kubectl Job watch passes such Jobs over,
    // so one admitted with it would wait suspended for ever.
    const marked = await asMember(
      ["apply", "-f", "-"],
      jobYaml({ name: "lookalike", labels: { ...berthsLabels, "berth.dev/reservation": reservation } }),
    );
    expect(marked.code).not.toBe(0);
    expect(marked.stderr).toContain("label app.kubernetes.io/managed-by=berth is Berth's to set");
    const { "app.kubernetes.io/managed-by": _mark, ...copied } = berthsLabels;
    const created = await asMember(
      ["apply", "-f", "-"],
      jobYaml({
        name: "lookalike",
        labels: { ...copied, "berth.dev/reservation": reservation },
        suspend: false,
      }),
    );
    expect(created.stdout.trim()).toBe("job.batch/lookalike created");
    const job = await ns.batch.readNamespacedJob({ name: "lookalike", namespace: ns.name });
    expect(job.spec?.suspend).toBe(true);
    const unsuspend = await mergePatchAsMember("lookalike", { spec: { suspend: false } });
    expect(unsuspend.code).not.toBe(0);
    expect(unsuspend.stderr).toContain("spec.suspend: false is Berth's to set");
  });

  it("follows a namespace moved to another team at once (its team is watched, not read per review)", async () => {
    const relabel = (to: string) =>
      ns.core.patchNamespace(
        { name: ns.name, body: { metadata: { labels: { "berth.dev/team": to } } } },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      );
    const applyMine = () =>
      asMember(
        ["apply", "--dry-run=server", "-f", "-"],
        jobYaml({ name: "moved", labels: { "berth.dev/reservation": reservation } }),
      );
    await relabel(other);
    try {
      await waitFor(
        "the team's reservation to be refused in the other team's namespace",
        async () => (await applyMine()).stderr.includes(`belongs to team ${team}, not to team ${other}`),
        { timeoutMs: 10_000, intervalMs: 100 },
      );
    } finally {
      await relabel(team);
    }
    await waitFor(
      "the reservation to be the namespace's team's again",
      async () => {
        const r = await applyMine();
        return r.code === 0 && r.stderr === "";
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
  });

  it("removes its webhooks and policy on a graceful stop", async () => {
    berth.child.kill("SIGTERM");
    expect((await berth.exited).code).toBe(0);
    const api = ns.config.makeApiClient(AdmissionregistrationV1Api);
    const names = async () =>
      [
        ...(await api.listMutatingWebhookConfiguration()).items,
        ...(await api.listValidatingWebhookConfiguration()).items,
        ...(await api.listValidatingAdmissionPolicy()).items,
      ].map((o) => o.metadata?.name);
    expect(await names()).not.toContain("berth-jobs");
    expect(await names()).not.toContain("berth-managed-toleration");
  });
});
