// Which namespace a team's runs go to: the one labelled `berth.dev/team=<team>` (docs/rules.md §5,
// Kubernetes contract: a namespace belongs to the team its label names). Looked up once per team
// and remembered; a team with no namespace, or with several, is a configuration error to fix.
import type { CoreV1Api } from "@kubernetes/client-node";
import { DomainError } from "../../basics/domain-error.ts";
import { translateKubeError } from "./kube-errors.ts";
import { LABEL_TEAM } from "./labels.ts";

export function namespaceByTeamLabel(core: CoreV1Api): (team: string) => Promise<string> {
  const known = new Map<string, string>();
  return async (team) => {
    const hit = known.get(team);
    if (hit) return hit;
    let names: string[];
    try {
      const list = await core.listNamespace({ labelSelector: `${LABEL_TEAM}=${team}` });
      names = list.items.flatMap((n) => (n.metadata?.name ? [n.metadata.name] : []));
    } catch (err) {
      throw translateKubeError(err, `finding the namespace of team ${team}`);
    }
    if (names.length !== 1) {
      throw new DomainError(
        "invalid-state",
        names.length === 0
          ? `no namespace is labelled ${LABEL_TEAM}=${team}`
          : `several namespaces are labelled ${LABEL_TEAM}=${team}: ${names.join(", ")}`,
        { namespaces: names },
      );
    }
    known.set(team, names[0]!);
    return names[0]!;
  };
}
