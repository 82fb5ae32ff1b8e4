// kube-scheduler's configuration file. Client QPS/burst are raised far above client-go's 5/10 so
// launch benchmarks measure Berth rather than the scheduler's rate limiter (the --kube-api-qps
// flags are ignored once --config is given, hence the file). No leader election: one replica.
import { writeFile } from "node:fs/promises";

export async function writeSchedulerConfig(path: string, kubeconfig: string, qps: number): Promise<void> {
  const config = {
    apiVersion: "kubescheduler.config.k8s.io/v1",
    kind: "KubeSchedulerConfiguration",
    clientConnection: { kubeconfig, qps, burst: qps * 2 },
    leaderElection: { leaderElect: false },
  };
  // JSON is valid YAML, which is what the scheduler reads.
  await writeFile(path, JSON.stringify(config, null, 2));
}
