// Awaits the pods of a Job (label job-name) reaching a state, polling with a deadline.
import type { CoreV1Api, V1Pod } from "@kubernetes/client-node";
import { waitFor } from "../../cluster/wait.ts";

export async function jobPods(core: CoreV1Api, namespace: string, job: string): Promise<V1Pod[]> {
  const list = await core.listNamespacedPod({ namespace, labelSelector: `job-name=${job}` });
  return list.items;
}

export function waitForJobPods(
  core: CoreV1Api,
  namespace: string,
  job: string,
  what: string,
  accept: (pods: V1Pod[]) => boolean,
  timeoutMs = 60_000,
): Promise<V1Pod[]> {
  return waitFor(
    `pods of Job ${job} ${what}`,
    async () => {
      const pods = await jobPods(core, namespace, job);
      return accept(pods) ? pods : undefined;
    },
    { timeoutMs },
  );
}
