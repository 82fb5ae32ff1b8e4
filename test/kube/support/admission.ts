// `berth serve` with its admission webhooks (BERTH_ADMISSION_URL on a free loopback port), and a
// test namespace made a team's, for the tests where kubectl users meet Berth's admission.
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { inject } from "vitest";
import { freePorts } from "../../cluster/ports.ts";
import { type Berth, serve } from "./berth-serve.ts";
import type { TestNamespace } from "./namespace.ts";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/** Labels the namespace berth.dev/team=<team>: it becomes that team's. */
export async function makeTeamNamespace(ns: TestNamespace, team: string): Promise<void> {
  await ns.core.patchNamespace(
    { name: ns.name, body: { metadata: { labels: { "berth.dev/team": team } } } },
    mergePatch,
  );
}

/** `berth serve` on the test cluster with its webhooks served on loopback and registered. */
export async function serveWithAdmission(o: {
  dataDir: string;
  adminToken: string;
  env?: Record<string, string>;
}): Promise<Berth> {
  const [port] = await freePorts(1);
  return serve({
    BERTH_DATA_DIR: o.dataDir,
    BERTH_ADMIN_TOKEN: o.adminToken,
    BERTH_EXECUTOR: "kubernetes",
    KUBECONFIG: inject("kubeconfig"),
    BERTH_ADMISSION_URL: `https://127.0.0.1:${port}`,
    ...o.env,
  });
}
