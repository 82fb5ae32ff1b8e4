// Berth end to end on the test cluster: the real composition root (`src/main.ts serve`, PGlite in a
// temporary directory) with BERTH_EXECUTOR=kubernetes discovers the cluster's GPU pools, books a
// reservation, runs a job on it as a batch/v1 Job pinned to the reserved node, and reports it
// succeeded; and without Kubernetes credentials it refuses to start, in one line.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { waitFor } from "../cluster/wait.ts";
import { type Berth, listeningUrl, logLines, serve } from "./support/berth-serve.ts";
import { useNamespace } from "./support/namespace.ts";

const GRID_MS = 15 * 60_000;
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const ADMIN_TOKEN = `wire-admin-${randomBytes(12).toString("hex")}`;

describe("Berth with BERTH_EXECUTOR=kubernetes", () => {
  const ns = useNamespace("berth-wire");
  let dataDir: string;
  let berth: Berth;
  let url: string;

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "berth-wire-"));
    berth = serve({
      BERTH_DATA_DIR: dataDir,
      BERTH_ADMIN_TOKEN: ADMIN_TOKEN,
      BERTH_EXECUTOR: "kubernetes",
      KUBECONFIG: inject("berthKubeconfig"),
      BERTH_NAMESPACE: ns.name,
      BERTH_TICK_SECONDS: "1",
    });
    url = await listeningUrl(berth);
  });

  afterAll(async () => {
    if (berth && berth.child.exitCode === null) {
      berth.child.kill("SIGTERM");
      await berth.exited;
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("says it runs on Kubernetes, not the simulated cluster", async () => {
    const ready = await fetch(`${url}/readyz`).then((r) => r.json());
    expect(ready).toMatchObject({ status: "ready", executor: "kubernetes", simulated: false });
    expect(logLines(berth.stdout()).some((l) => String(l.msg).includes("SIMULATED"))).toBe(false);
  });

  it("lists the pools discovered from the nodes' GPU labels, with their real nodes", async () => {
    const pools = await api("GET", "/pools");
    expect(pools.status).toBe(200);
    const byName = new Map((pools.body.items as { name: string }[]).map((p) => [p.name, p]));
    expect(byName.get("v100")).toMatchObject({
      product: "Tesla-V100-SXM2-32GB",
      computeCapability: "7.0",
      gpusPerNode: 8,
      nodes: 4,
      nodesUp: 4,
      gpuMemoryMiB: 32768,
    });
    expect(byName.get("t4")).toMatchObject({ computeCapability: "7.5", gpusPerNode: 4, nodes: 2 });
    expect(byName.get("p100")).toMatchObject({ computeCapability: "6.0", gpusPerNode: 4, nodes: 1 });
    expect([...byName.keys()]).not.toContain("V100"); // no demo pools on this path
    const nodes = await api("GET", "/nodes");
    const clusterNodes = (await ns.core.listNode({ labelSelector: "berth.dev/pool=v100" })).items.map(
      (n) => n.metadata?.name,
    );
    expect(
      (nodes.body.items as { name: string; pool: string }[])
        .filter((n) => n.pool === "v100")
        .map((n) => n.name)
        .sort(),
    ).toEqual(clusterNodes.sort());
  });

  it("runs a job booked on a reservation as a Job pinned to the reserved node, to success", async () => {
    const team = `wire-${randomBytes(3).toString("hex")}`;
    expect((await api("POST", "/teams", { name: team })).status).toBe(201);
    const start = Math.floor(Date.now() / GRID_MS) * GRID_MS; // inside the current step: now
    const booked = await api("POST", "/reservations", {
      team,
      pool: "v100",
      nodes: 1,
      gpusPerNode: 2,
      start: new Date(start).toISOString(),
      end: new Date(start + 2 * GRID_MS).toISOString(),
      priority: "normal",
      title: "berth on kubernetes",
    });
    expect(booked.status, JSON.stringify(booked.body)).toBe(201);
    const placement = booked.body.placement as { node: string; gpus: number[] }[];
    expect(placement).toHaveLength(1);

    const submitted = await api("POST", "/jobs", {
      kind: "external",
      pool: "v100",
      gpus: 2,
      team,
      reservation: booked.body.id,
      // Never pulled: kwok simulates the container, which succeeds after 2 s.
      spec: { image: "berth.invalid/sim:1", simDurationSeconds: 2 },
    });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
    const jobId = submitted.body.id as string;

    const done = await waitFor(
      `job ${jobId} to succeed`,
      async () => {
        const j = await api("GET", `/jobs/${jobId}`);
        if (j.body.state === "failed" || j.body.state === "cancelled")
          throw new Error(`job ended ${j.body.state}`);
        return j.body.state === "succeeded" ? j.body : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    expect(done.attempts).toBe(1);

    const jobs = await ns.batch.listNamespacedJob({
      namespace: ns.name,
      labelSelector: `berth.dev/job=${jobId}`,
    });
    expect(jobs.items).toHaveLength(1);
    const k8sJob = jobs.items[0]!;
    expect(k8sJob.metadata?.labels).toMatchObject({
      "berth.dev/job": jobId,
      "berth.dev/attempt": "1",
      "berth.dev/team": team,
      "berth.dev/reservation": booked.body.id,
      "app.kubernetes.io/managed-by": "berth",
    });
    const pod = k8sJob.spec?.template.spec;
    expect(pod?.tolerations).toContainEqual(
      expect.objectContaining({ key: "berth.dev/managed", value: "true", effect: "NoSchedule" }),
    );
    const terms =
      pod?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    expect(terms).toEqual([
      { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [placement[0]!.node] }] },
    ]);
    // The pool's CPU and memory per GPU (v100 nodes: 64 CPUs, 512 GiB for 8 GPUs) come with the GPUs.
    expect(pod?.containers[0]?.resources?.limits).toEqual({
      "nvidia.com/gpu": "2",
      cpu: "16",
      memory: "128Gi", // the API server writes quantities canonically
    });
    expect(k8sJob.status?.succeeded).toBe(1);
    const pods = await ns.core.listNamespacedPod({
      namespace: ns.name,
      labelSelector: `berth.dev/job=${jobId}`,
    });
    for (const p of pods.items) expect(p.spec?.nodeName).toBe(placement[0]!.node);
  });

  it("follows the cluster: a cordoned node turns down in the API, and up again when uncordoned", async () => {
    const nodeUp = async (name: string) =>
      ((await api("GET", "/nodes?pool=t4")).body.items as { name: string; up: boolean }[]).find(
        (n) => n.name === name,
      )?.up;
    const name = "t4-1";
    expect(await nodeUp(name)).toBe(true);
    await ns.core.patchNode({ name, body: { spec: { unschedulable: true } } }, mergePatch);
    try {
      await waitFor(`${name} down in the API`, async () => (await nodeUp(name)) === false, {
        timeoutMs: 30_000,
        intervalMs: 100,
      });
    } finally {
      await ns.core.patchNode({ name, body: { spec: { unschedulable: null } } }, mergePatch);
    }
    await waitFor(`${name} up again in the API`, async () => (await nodeUp(name)) === true, {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
  });

  it("stops cleanly on SIGTERM, the executor and the node watch included", async () => {
    berth.child.kill("SIGTERM");
    const { code } = await berth.exited;
    expect(code).toBe(0);
    expect(logLines(berth.stdout()).some((l) => l.msg === "stopped")).toBe(true);
  });
});

describe("BERTH_EXECUTOR=kubernetes without Kubernetes credentials", () => {
  it("refuses to start with a one-line error and leaves no data behind", async () => {
    const dir = await mkdtemp(join(tmpdir(), "berth-wire-nocfg-"));
    try {
      const dataDir = join(dir, "data");
      const berth = serve({
        BERTH_DATA_DIR: dataDir,
        BERTH_EXECUTOR: "kubernetes",
        KUBECONFIG: join(dir, "missing-kubeconfig"),
        HOME: dir, // no ~/.kube/config either
      });
      const { code, stderr } = await berth.exited;
      expect(code).toBe(1);
      const lines = stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^berth: BERTH_EXECUTOR=kubernetes but no Kubernetes credentials were found/);
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses to start with a one-line error when the cluster cannot be reached", async () => {
    const dir = await mkdtemp(join(tmpdir(), "berth-wire-unreachable-"));
    try {
      // Port 1 on loopback: nothing listens there.
      const kubeconfig = join(dir, "kubeconfig");
      await writeFile(
        kubeconfig,
        JSON.stringify({
          apiVersion: "v1",
          kind: "Config",
          clusters: [{ name: "gone", cluster: { server: "https://127.0.0.1:1" } }],
          users: [{ name: "u", user: { token: "unused" } }],
          contexts: [{ name: "gone", context: { cluster: "gone", user: "u" } }],
          "current-context": "gone",
        }),
      );
      const berth = serve({
        BERTH_DATA_DIR: join(dir, "data"),
        BERTH_EXECUTOR: "kubernetes",
        BERTH_LOG_LEVEL: "silent",
        KUBECONFIG: kubeconfig,
      });
      const { code, stderr } = await berth.exited;
      expect(code).toBe(1);
      expect(stderr.trim().split("\n")).toEqual([expect.stringMatching(/^berth: .*listing GPU nodes/)]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
