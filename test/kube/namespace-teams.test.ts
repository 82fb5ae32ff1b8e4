// The admission webhooks' view of namespaces' teams (admission/namespace-teams.ts) on the test
// cluster: once its watch has listed, a labelled namespace's team is answered without a read from
// the API server, a relabelling or a removed label is followed, and only what the watch cannot
// vouch for is read.
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, describe, expect, it } from "vitest";
import {
  type NamespaceTeams,
  watchNamespaceTeams,
} from "../../src/adapters/kube/admission/namespace-teams.ts";
import { waitFor } from "../cluster/wait.ts";
import { makeTeamNamespace } from "./support/admission.ts";
import { useNamespace } from "./support/namespace.ts";

describe("namespaces' teams for admission", () => {
  const labelled = useNamespace("ns-teams");
  const unlabelled = useNamespace("ns-teams-none");
  let teams: NamespaceTeams | undefined;
  afterAll(() => teams?.stop());

  it("answers from its watch, follows a relabelling, and reads only what the watch cannot vouch for", async () => {
    await makeTeamNamespace(labelled, "red");
    const errors: Error[] = [];
    teams = watchNamespaceTeams({ kubeconfig: labelled.config, onError: (e) => errors.push(e) });
    const t = teams;
    // Before its first list, a lookup is a read.
    await waitFor("the watch to answer without a read", async () => {
      const before = t.reads();
      return (await t.teamOf(labelled.name)) === "red" && t.reads() === before;
    });
    const reads = t.reads();
    for (let i = 0; i < 20; i++) expect(await t.teamOf(labelled.name)).toBe("red");
    expect(t.reads()).toBe(reads);

    await makeTeamNamespace(labelled, "blue");
    await waitFor("the new team", async () => (await t.teamOf(labelled.name)) === "blue");
    expect(t.reads()).toBe(reads);

    // No team in the watch's view: read before answering null (it may have been labelled a moment ago).
    expect(await t.teamOf(unlabelled.name)).toBeNull();
    expect(await t.teamOf("no-such-namespace")).toBeNull();
    expect(t.reads()).toBe(reads + 2);

    // A namespace that loses its label leaves the watch's view (never answered from a stale team).
    await labelled.core.patchNamespace(
      { name: labelled.name, body: [{ op: "remove", path: "/metadata/labels/berth.dev~1team" }] },
      setHeaderOptions("Content-Type", PatchStrategy.JsonPatch),
    );
    await waitFor("the team to be gone", async () => (await t.teamOf(labelled.name)) === null);
    expect(errors).toEqual([]);
  });
});
