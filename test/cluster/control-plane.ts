// Starts and stops the test control plane: etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and kwok, on loopback with free ports, from the binaries cluster:build made.
// State lives in <repo>/.berth/cluster.json so `cluster:down` (or a later test run) finds it.
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { CoreV1Api, KubeConfig, KubernetesObjectApi, loadAllYaml } from "@kubernetes/client-node";
import { isUsable, poolNodes } from "./gpu-node.ts";
import { writeKubeconfig } from "./kubeconfig.ts";
import { createPki, type Pki } from "./pki.ts";
import { defaultPoolFile, loadPools } from "./pool-config.ts";
import { freePorts } from "./ports.ts";
import { isRunning, logTail, type ManagedProcess, startDetached, stopProcess } from "./processes.ts";
import { writeSchedulerConfig } from "./scheduler-config.ts";
import { sharedVolume } from "./shared-volume.ts";
import { waitFor } from "./wait.ts";

const run = promisify(execFile);

export const repoRoot = resolve(import.meta.dirname, "../..");
const clusterDir = import.meta.dirname;

export interface ClusterPaths {
  /** <repo>/.berth */
  home: string;
  state: string;
  kubeconfig: string;
  kubectl: string;
}

export function clusterPaths(root: string = repoRoot): ClusterPaths {
  const home = join(root, ".berth");
  return {
    home,
    state: join(home, "cluster.json"),
    kubeconfig: join(home, "kubeconfig"),
    kubectl: join(home, "bin", "kubectl"),
  };
}

export interface ClusterState {
  dir: string;
  server: string;
  binDir: string;
  kubeconfig: string;
  kubectl: string;
  processes: ManagedProcess[];
  startedAt: string;
  startupMs: number;
}

export interface UpOptions {
  root?: string;
  poolsFile?: string;
  /** Use these binaries instead of running the build script (which reuses its cache anyway). */
  binDir?: string;
  log?: (line: string) => void;
}

/** Client QPS for controller-manager and scheduler (client-go's default is 5, burst 10). */
const componentQps = 200;

/** Runs test/cluster/build.sh (a no-op when its cache is warm) and returns the bin directory. */
export async function buildBinaries(): Promise<string> {
  const { stdout } = await run("bash", [join(clusterDir, "build.sh")], { maxBuffer: 16 * 1024 * 1024 });
  const binDir = stdout.trim().split("\n").at(-1);
  if (!binDir) throw new Error("cluster:build printed no bin directory");
  return binDir;
}

export async function readState(root: string = repoRoot): Promise<ClusterState | undefined> {
  try {
    return JSON.parse(await readFile(clusterPaths(root).state, "utf8")) as ClusterState;
  } catch {
    return undefined;
  }
}

/** Every component still running and the API server answering /readyz. */
export async function isHealthy(state: ClusterState): Promise<boolean> {
  if (!state.processes.every(isRunning)) return false;
  try {
    const config = new KubeConfig();
    config.loadFromFile(state.kubeconfig);
    await config.makeApiClient(CoreV1Api).listNamespace({ limit: 1 });
    return true;
  } catch {
    return false;
  }
}

interface Probe {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** GET over HTTPS; resolves with the status code (certificate checks as the probe allows). */
function httpsStatus(url: string, probe: Probe): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const req = request(
      url,
      { ...probe, rejectUnauthorized: probe.ca !== undefined, timeout: 5_000 },
      (res) => {
        res.resume();
        resolvePromise(res.statusCode ?? 0);
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return res.ok;
}

/** Waits on a readiness check, failing fast (with its log) if the process has died meanwhile. */
async function ready(p: ManagedProcess, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const failed = (why: string) =>
    new Error(`${p.name} ${why}\n--- last lines of ${p.log} ---\n${logTail(p)}`);
  const outcome = await waitFor(
    `${p.name} to become ready`,
    async () => (!isRunning(p) ? "exited" : (await check()) ? "ready" : undefined),
    { timeoutMs, intervalMs: 250 },
  ).catch((error: Error) => {
    throw failed(error.message);
  });
  if (outcome === "exited") throw failed("exited during start-up");
}

const identities = [
  { file: "admin", user: "berth-admin", groups: ["system:masters"] },
  { file: "controller-manager", user: "system:kube-controller-manager", groups: [] },
  { file: "scheduler", user: "system:kube-scheduler", groups: [] },
  // kwok plays every kubelet; it needs to write any node's and pod's status.
  { file: "kwok", user: "kwok-controller", groups: ["system:masters"] },
];

async function kubeconfigFor(pki: Pki, server: string, file: string, user: string): Promise<string> {
  const path = join(pki.dir, `${file}.kubeconfig`);
  const { cert, key } = pki.client(file);
  await writeKubeconfig(path, { server, caCert: pki.caCert, clientCert: cert, clientKey: key, user });
  return path;
}

/** kwok's config: the stock node stages from the pinned kwok module, then Berth's pod stages. */
async function writeKwokStages(binDir: string, path: string): Promise<void> {
  const stockDir = join(binDir, "..", "kwok-stages");
  const stock = (await readdir(stockDir)).filter((f) => f.endsWith(".yaml")).sort();
  const docs = await Promise.all([
    ...stock.map((f) => readFile(join(stockDir, f), "utf8")),
    readFile(join(clusterDir, "kwok", "pod-stages.yaml"), "utf8"),
  ]);
  await writeFile(path, docs.map((d) => d.trim()).join("\n---\n"));
}

export async function up(options: UpOptions = {}): Promise<ClusterState> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const paths = clusterPaths(options.root);
  const pools = await loadPools(options.poolsFile ?? defaultPoolFile);
  const binDir = options.binDir ?? (await buildBinaries());
  const bin = (name: string) => join(binDir, name);

  const dir = await mkdtemp(join(tmpdir(), "berth-cluster-"));
  const processes: ManagedProcess[] = [];
  const state: ClusterState = {
    dir,
    server: "",
    binDir,
    kubeconfig: paths.kubeconfig,
    kubectl: paths.kubectl,
    processes,
    startedAt: new Date(started).toISOString(),
    startupMs: 0,
  };
  // The state file is rewritten after every start, so `cluster:down` can clean up even after a
  // start-up that was killed halfway.
  await mkdir(join(paths.home, "bin"), { recursive: true });
  const start = (name: string, args: string[]) => {
    const p = startDetached(name, bin(name), args, join(dir, `${name}.log`));
    processes.push(p);
    writeFileSync(paths.state, JSON.stringify(state, null, 2));
    return p;
  };

  try {
    const [etcdClient, etcdPeer, apiPort, kcmPort, schedulerPort] = (await freePorts(5)) as [
      number,
      number,
      number,
      number,
      number,
    ];
    const server = `https://127.0.0.1:${apiPort}`;
    state.server = server;
    const pkiDir = join(dir, "pki");
    await mkdir(pkiDir);
    const pki = await createPki(pkiDir, identities);
    const adminConfig = await kubeconfigFor(pki, server, "admin", "berth-admin");
    const kcmConfig = await kubeconfigFor(
      pki,
      server,
      "controller-manager",
      "system:kube-controller-manager",
    );
    const schedulerConfig = await kubeconfigFor(pki, server, "scheduler", "system:kube-scheduler");
    const kwokConfig = await kubeconfigFor(pki, server, "kwok", "kwok-controller");

    log(`etcd on 127.0.0.1:${etcdClient}`);
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const peerUrl = `http://127.0.0.1:${etcdPeer}`;
    const etcd = start("etcd", [
      "--name=berth",
      `--data-dir=${join(dir, "etcd")}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=berth=${peerUrl}`,
      // Throwaway data: skip fsync, keep the database small.
      "--unsafe-no-fsync=true",
      "--auto-compaction-retention=1",
      "--quota-backend-bytes=2147483648",
      "--log-level=warn",
    ]);
    await ready(etcd, () => httpOk(`${etcdUrl}/health`));

    log(`kube-apiserver on ${server}`);
    const apiserver = start("kube-apiserver", [
      `--etcd-servers=${etcdUrl}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${apiPort}`,
      // The endpoint reconciler would publish 127.0.0.1, which Endpoints validation refuses.
      "--endpoint-reconciler-type=none",
      `--tls-cert-file=${pki.serverCert}`,
      `--tls-private-key-file=${pki.serverKey}`,
      `--client-ca-file=${pki.caCert}`,
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${pki.saPub}`,
      `--service-account-signing-key-file=${pki.saKey}`,
      "--service-cluster-ip-range=10.96.0.0/16",
      "--authorization-mode=Node,RBAC",
      "--allow-privileged=true",
      `--cert-dir=${join(dir, "apiserver-certs")}`,
      "--profiling=false",
      // No --enable/--disable-admission-plugins: the default plugin set stays on.
    ]);
    const admin = { ca: await readFile(pki.caCert), ...(await clientPair(pki, "admin")) };
    await ready(apiserver, async () => (await httpsStatus(`${server}/readyz`, admin)) === 200);

    log("kube-controller-manager and kube-scheduler");
    // Both serve /healthz over HTTPS (self-signed) and delegate other requests to the API server.
    const component = (name: string, config: string, port: number, args: string[]) =>
      start(name, [
        ...args,
        `--authentication-kubeconfig=${config}`,
        `--authorization-kubeconfig=${config}`,
        "--authorization-always-allow-paths=/healthz,/readyz,/livez",
        "--bind-address=127.0.0.1",
        `--secure-port=${port}`,
        `--cert-dir=${join(dir, `${name}-certs`)}`,
        "--profiling=false",
      ]);
    const kcm = component("kube-controller-manager", kcmConfig, kcmPort, [
      `--kubeconfig=${kcmConfig}`,
      "--leader-elect=false",
      // Every controller that is on by default: job, garbage collector, namespace, service
      // account and tokens, PV binder, pod GC, node lifecycle, TTL-after-finished, …
      "--controllers=*",
      "--use-service-account-credentials=true",
      `--root-ca-file=${pki.caCert}`,
      `--service-account-private-key-file=${pki.saKey}`,
      `--cluster-signing-cert-file=${pki.caCert}`,
      `--cluster-signing-key-file=${pki.caKey}`,
      `--kube-api-qps=${componentQps}`,
      `--kube-api-burst=${componentQps * 2}`,
      "--node-monitor-grace-period=40s",
    ]);
    const schedulerYaml = join(dir, "scheduler.yaml");
    await writeSchedulerConfig(schedulerYaml, schedulerConfig, componentQps);
    const scheduler = component("kube-scheduler", schedulerConfig, schedulerPort, [
      `--config=${schedulerYaml}`,
    ]);
    await Promise.all([
      ready(kcm, async () => (await httpsStatus(`https://127.0.0.1:${kcmPort}/healthz`, {})) === 200),
      ready(
        scheduler,
        async () => (await httpsStatus(`https://127.0.0.1:${schedulerPort}/healthz`, {})) === 200,
      ),
    ]);

    const config = new KubeConfig();
    config.loadFromFile(adminConfig);
    const core = config.makeApiClient(CoreV1Api);
    const objects = KubernetesObjectApi.makeApiClient(config);

    log("cluster fixtures: PriorityClasses, shared volume");
    const priorityClasses = loadAllYaml(
      await readFile(join(repoRoot, "k8s", "priority-classes.yaml"), "utf8"),
    );
    const sharedDir = join(dir, "shared", "default");
    for (const object of [...priorityClasses, ...sharedVolume("default", sharedDir)]) {
      await objects.create(object);
    }

    log("kwok and the simulated GPU nodes");
    const kwokYaml = join(dir, "kwok.yaml");
    await writeKwokStages(binDir, kwokYaml);
    const kwok = start("kwok", [
      `--kubeconfig=${kwokConfig}`,
      `--config=${kwokYaml}`,
      "--manage-all-nodes=true",
      // Lease heartbeats keep the node lifecycle controller from marking nodes unreachable.
      "--node-lease-duration-seconds=40",
      "--cidr=10.244.0.0/16",
      "--node-ip=10.0.0.1",
    ]);
    const nodes = poolNodes(pools);
    for (const node of nodes) await core.createNode({ body: node });
    await ready(
      kwok,
      async () => {
        const list = await core.listNode();
        const readyNodes = list.items.filter(isUsable);
        return readyNodes.length >= nodes.length;
      },
      60_000,
    );
    // The ServiceAccount admission plugin refuses pods until the namespace's `default` SA exists.
    await waitFor("the default ServiceAccount", async () => {
      await core.readNamespacedServiceAccount({ name: "default", namespace: "default" });
      return true;
    });

    await copyFile(adminConfig, paths.kubeconfig);
    await rm(paths.kubectl, { force: true });
    await symlink(bin("kubectl"), paths.kubectl);
    state.startupMs = Date.now() - started;
    await writeFile(paths.state, JSON.stringify(state, null, 2));
    return state;
  } catch (error) {
    await stopAll(processes);
    await rm(dir, { recursive: true, force: true });
    await rm(paths.state, { force: true });
    throw error;
  }
}

async function clientPair(pki: Pki, file: string): Promise<{ cert: Buffer; key: Buffer }> {
  const { cert, key } = pki.client(file);
  return { cert: await readFile(cert), key: await readFile(key) };
}

async function stopAll(processes: readonly ManagedProcess[]): Promise<void> {
  // Reverse start order: kwok and the controllers before the API server, etcd last.
  for (const p of [...processes].reverse()) await stopProcess(p);
}

export interface DownResult {
  stopped: string[];
  survivors: ManagedProcess[];
}

/** Stops every component of the cluster in `state`, deletes its data, and forgets it. */
export async function down(state: ClusterState, root: string = repoRoot): Promise<DownResult> {
  await stopAll(state.processes);
  const survivors = state.processes.filter(isRunning);
  await rm(state.dir, { recursive: true, force: true });
  const paths = clusterPaths(root);
  await rm(paths.state, { force: true });
  await rm(paths.kubeconfig, { force: true });
  return { stopped: state.processes.map((p) => `${p.name} (pid ${p.pid})`), survivors };
}
