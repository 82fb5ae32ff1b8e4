// The set-up the kubectl-user tests share: a test namespace made a team's, a member of that team
// with a kubeconfig of their own, and `berth serve` with its admission webhooks on the test cluster
// (the team created over REST), each torn down after the file.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { makeTeamNamespace, serveWithAdmission } from "./admission.ts";
import { type Berth, listeningUrl, restClient, stopBerth } from "./berth-serve.ts";
import { kubectlWith } from "./kubectl.ts";
import type { TestNamespace } from "./namespace.ts";
import { teamUserKubeconfig } from "./team-user.ts";

export function useTeamBerth(o: { ns: TestNamespace; prefix: string; env: Record<string, string> }) {
  const adminToken = `${o.prefix}-admin-${randomBytes(12).toString("hex")}`;
  const team = `${o.prefix.slice(0, 2)}-${randomBytes(3).toString("hex")}`;
  let dataDir = "";
  let berth: Berth | undefined;
  let url = "";
  let member: { path: string; user: string } | undefined;
  const admin = restClient(() => url, adminToken);

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), `berth-${o.prefix}-`));
    await makeTeamNamespace(o.ns, team);
    member = await teamUserKubeconfig(o.ns, dataDir);
    berth = await serveWithAdmission({ dataDir, adminToken, env: o.env });
    url = await listeningUrl(berth);
    expect((await admin("POST", "/teams", { name: team })).status).toBe(201);
  });

  afterAll(async () => {
    await stopBerth(berth);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  return {
    team,
    adminToken,
    admin,
    /** Where Berth listens, once it does. */
    url: () => url,
    /** The running `berth serve` (its output), once started. */
    berth: () => berth!,
    /** Berth's REST API with another token (a member's). */
    client: (token: string) => restClient(() => url, token),
    /** kubectl in the test namespace as the team's member, not the admin. */
    asMember: (args: string[], input?: string) =>
      kubectlWith(member!.path, ["-n", o.ns.name, ...args], input),
  };
}
