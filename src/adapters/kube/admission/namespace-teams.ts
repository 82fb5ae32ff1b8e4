// The team of a namespace (its berth.dev/team label, docs/rules.md §5) for the admission webhooks,
// kept from a watch on namespaces instead of read from the API server at each review (each read
// cost the API server and Berth a round trip per kubectl Job, BENCHMARKS.md "Launch").
//
// The watch selects the namespaces that carry the label (one that loses it leaves the selection,
// and the API server says so as a deletion) and follows every change, so a relabelled namespace is
// seen within the watch's delivery time. Only a known team is taken from the cache: a namespace the
// watch does not hold is read from the API server before a review refuses it (a namespace labelled
// a moment ago must not be refused on a stale view), and so is every namespace while the watch is
// not in step (before its first list, after an error until it delivers again).
import { CoreV1Api, type KubeConfig, type V1Namespace } from "@kubernetes/client-node";
import { isNotFound, translateKubeError } from "../kube-errors.ts";
import { LABEL_TEAM } from "../labels.ts";
import { watchStream } from "../watch-stream.ts";

export interface NamespaceTeams {
  /** The team the namespace belongs to, or null (no label, or no such namespace). */
  teamOf(namespace: string): Promise<string | null>;
  /** Reads from the API server so far (for tests and figures). */
  readonly reads: () => number;
  stop(): void;
}

export function watchNamespaceTeams(o: {
  readonly kubeconfig: KubeConfig;
  readonly onError: (err: Error) => void;
}): NamespaceTeams {
  const core = o.kubeconfig.makeApiClient(CoreV1Api);
  const abort = new AbortController();
  const teams = new Map<string, string | null>();
  let inStep = false;
  let reads = 0;
  const teamLabel = (ns: V1Namespace) => ns.metadata?.labels?.[LABEL_TEAM] ?? null;

  void (async () => {
    for await (const ev of watchStream<V1Namespace>({
      config: o.kubeconfig,
      path: "/api/v1/namespaces",
      labelSelector: LABEL_TEAM,
      list: () => core.listNamespace({ labelSelector: LABEL_TEAM }),
      signal: abort.signal,
    })) {
      if (ev.type === "error") {
        inStep = false;
        o.onError(ev.error);
        continue;
      }
      if (ev.type === "sync") {
        teams.clear();
        for (const ns of ev.objects) if (ns.metadata?.name) teams.set(ns.metadata.name, teamLabel(ns));
      } else {
        const name = ev.object.metadata?.name;
        if (!name) continue;
        if (ev.type === "deleted") teams.delete(name);
        else teams.set(name, teamLabel(ev.object));
      }
      inStep = true;
    }
  })();

  const read = async (namespace: string): Promise<string | null> => {
    reads++;
    try {
      return teamLabel(await core.readNamespace({ name: namespace }));
    } catch (err) {
      if (isNotFound(err)) return null;
      throw translateKubeError(err, `reading namespace ${namespace}`);
    }
  };

  return {
    async teamOf(namespace) {
      const known = inStep ? teams.get(namespace) : undefined;
      return known ?? read(namespace);
    },
    reads: () => reads,
    stop: () => abort.abort(),
  };
}
