// Berth killed with SIGKILL leaves its webhook registrations behind (nothing removed them); the next
// `berth serve` replaces them with its own URL at start (CONTRACTS §5: stale ones replaced), so a
// kubectl user's labelled Job is judged by the Berth that runs, not refused for an address nobody
// serves.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AdmissionregistrationV1Api } from "@kubernetes/client-node";
import { afterAll, describe, expect, it } from "vitest";
import { WEBHOOK_CONFIGURATION_NAME } from "../../src/adapters/kube/admission/registration.ts";
import { waitFor } from "../cluster/wait.ts";
import { makeTeamNamespace, serveWithAdmission } from "./support/admission.ts";
import { type Berth, listeningUrl, stopBerth } from "./support/berth-serve.ts";
import { kubectlWith } from "./support/kubectl.ts";
import { useNamespace } from "./support/namespace.ts";
import { teamUserKubeconfig } from "./support/team-user.ts";

const ADMIN_TOKEN = `adm-restart-admin-${randomBytes(12).toString("hex")}`;

const probe = JSON.stringify({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "probe", labels: { "berth.dev/reservation": "r-none" } },
  spec: {
    template: {
      spec: {
        restartPolicy: "Never",
        containers: [
          { name: "main", image: "berth.invalid/sim:1", resources: { limits: { "nvidia.com/gpu": "1" } } },
        ],
      },
    },
  },
});

describe("webhook registrations left by a killed Berth", () => {
  const ns = useNamespace("adm-restart");
  let dataDir = "";
  let berth: Berth | undefined;

  afterAll(async () => {
    await stopBerth(berth);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("are replaced by the next start's, at its own URL", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "berth-adm-restart-"));
    await makeTeamNamespace(ns, `ar-${randomBytes(3).toString("hex")}`);
    const member = await teamUserKubeconfig(ns, dataDir);
    const admission = ns.config.makeApiClient(AdmissionregistrationV1Api);
    const urlOfHooks = async () =>
      (await admission.readMutatingWebhookConfiguration({ name: WEBHOOK_CONFIGURATION_NAME })).webhooks?.[0]
        ?.clientConfig.url;
    const judged = async () =>
      (
        await kubectlWith(member.path, ["-n", ns.name, "apply", "--dry-run=server", "-f", "-"], probe)
      ).stderr.includes("denied the request: reservation r-none does not exist");

    const first = await serveWithAdmission({ dataDir, adminToken: ADMIN_TOKEN });
    await listeningUrl(first);
    await waitFor("the first Berth's webhooks to judge Jobs", judged, { timeoutMs: 30_000, intervalMs: 250 });
    const firstUrl = await urlOfHooks();
    first.child.kill("SIGKILL");
    await first.exited;
    // Nothing removed them: they still name the dead Berth's address.
    expect(await urlOfHooks()).toBe(firstUrl);

    berth = await serveWithAdmission({ dataDir, adminToken: ADMIN_TOKEN });
    await listeningUrl(berth);
    const secondUrl = await waitFor("the registrations to name the new Berth", async () => {
      const u = await urlOfHooks();
      return u && u !== firstUrl ? u : undefined;
    });
    expect(secondUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/mutate-jobs$/);
    await waitFor("the new Berth's webhooks to judge Jobs", judged, { timeoutMs: 30_000, intervalMs: 250 });
  });
});
