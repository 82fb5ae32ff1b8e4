// The YOLO pipeline's Jobs on the real control plane, driven through `berth serve`
// (BERTH_EXECUTOR=kubernetes, PGlite): a `train` Job per pool (AMP by compute capability, the team's
// shared volume, a memory /dev/shm, the trainer ConfigMap Berth keeps current), a training preempted,
// suspended and admitted again resuming from its checkpoint, and A/B checks whose `validate` pod
// leaves its summary in its termination message, which Berth reads and judges; a verdict forged by
// a client or by a Job Berth did not create changes nothing.
//
// kwok plays the containers (test/cluster/README.md): there is no GPU and no image here, so the
// test plays `berth validate` finishing by annotating the running validation pod with the summary it
// would write (berth.dev/sim-termination-message), the way a GPU run writes /dev/termination-log.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type V1Job,
  type V1Pod,
  type V1PodSpec,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runJobName } from "../../src/basics/job-names.ts";
import { sharedVolume, sharedVolumeName } from "../cluster/shared-volume.ts";
import { waitFor } from "../cluster/wait.ts";
import { type Berth, listeningUrl, restClient, serveOnCluster, stopBerth } from "./support/berth-serve.ts";
import { jobCondition, managedToleration } from "./support/jobs.ts";
import { useNamespace } from "./support/namespace.ts";

const ADMIN_TOKEN = `pipeline-admin-${randomBytes(12).toString("hex")}`;
const BERTH_IMAGE = "registry.test/berth:0.2.0";
const TRAIN_IMAGE = "ultralytics/ultralytics:8.4.190";
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const TRAINER_SCRIPT = readFileSync("src/yolo/berth-train.py", "utf8");

/** The summary `berth validate` leaves in a GPU pod's termination message (src/services/models/ab-run.ts). */
function gpuSummary(fp32: number, fp16: number) {
  return JSON.stringify({
    passed: fp32 - fp16 <= 0.005,
    unlocksFp16: true,
    fp16Arithmetic: "gpu",
    provider: "cuda",
    images: 520,
    map5095: { fp32, fp16 },
    delta: { map5095: (fp16 - fp32) * 100, ci95: [-0.07, 0.1] },
    report: "/workspace/runs/vision/ab/export/ab-report.json",
  });
}

/** A pod on a t4 node that is not Berth's: its annotation says what it "writes" when it ends. */
const forgerPod: V1PodSpec = {
  restartPolicy: "Never",
  tolerations: [managedToleration],
  nodeSelector: { "berth.dev/pool": "t4" },
  containers: [
    {
      name: "main",
      image: "berth.invalid/forger:1",
      resources: { limits: { "nvidia.com/gpu": "1" }, requests: { "nvidia.com/gpu": "1" } },
    },
  ],
};

describe("the YOLO pipeline's Jobs on the test cluster", () => {
  const ns = useNamespace("pipeline");
  let dataDir: string;
  let berth: Berth | undefined;
  let url = "";
  const admin = restClient(() => url, ADMIN_TOKEN);
  let member: ReturnType<typeof restClient>;
  const team = `vision-${randomBytes(3).toString("hex")}`;

  beforeAll(async () => {
    // The team's ReadWriteMany claim `berth-shared`, which Berth's Jobs mount at /workspace.
    const objects = KubernetesObjectApi.makeApiClient(ns.config);
    for (const o of sharedVolume(ns.name, `${inject("clusterDir")}/shared/${ns.name}`))
      await objects.create(o);
    dataDir = await mkdtemp(join(tmpdir(), "berth-pipeline-"));
    berth = serveOnCluster({
      dataDir,
      adminToken: ADMIN_TOKEN,
      namespace: ns.name,
      env: { BERTH_IMAGE },
    });
    url = await listeningUrl(berth);
    expect((await admin("POST", "/teams", { name: team })).status).toBe(201);
    const token = await admin("POST", "/tokens", { team, role: "member", name: "alice" });
    expect(token.status, JSON.stringify(token.body)).toBe(201);
    member = restClient(() => url, token.body.token);
  }, 180_000);

  afterAll(async () => {
    await stopBerth(berth);
    await ns.core.deletePersistentVolume({ name: sharedVolumeName(ns.name) }).catch(() => {});
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function submit(body: Record<string, unknown>): Promise<string> {
    const r = await admin("POST", "/jobs", { team, ...body });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.id as string;
  }

  /** A YOLO training of the team: three epochs of yolov8n on the shared volume's dataset. */
  function train(pool: string, gpus: number, more: Record<string, unknown> = {}, priority?: string) {
    return submit({
      kind: "train",
      pool,
      gpus,
      ...(priority ? { priority } : {}),
      spec: {
        image: TRAIN_IMAGE,
        model: "yolov8n.yaml",
        data: "datasets/shapes/data.yaml",
        epochs: 3,
        ...more,
      },
    });
  }

  const jobState = async (id: string) => (await admin("GET", `/jobs/${id}`)).body;

  function awaitJobState(id: string, state: string, timeoutMs = 60_000) {
    return waitFor(
      `job ${id} ${state}`,
      async () => {
        const j = await jobState(id);
        return j.state === state ? j : undefined;
      },
      { timeoutMs, intervalMs: 250 },
    );
  }

  /** The batch/v1 Job of a run, once Berth has created it. */
  function awaitRunJob(id: string, attempt = 1): Promise<V1Job> {
    return waitFor(`the Job of ${id}#${attempt}`, () =>
      ns.batch.readNamespacedJob({ name: runJobName(id, attempt), namespace: ns.name }),
    );
  }

  function awaitRunningPod(id: string, attempt = 1): Promise<V1Pod> {
    return waitFor(`a running pod of ${id}#${attempt}`, async () => {
      const pods = await ns.core.listNamespacedPod({
        namespace: ns.name,
        labelSelector: `job-name=${runJobName(id, attempt)}`,
      });
      return pods.items.find((p) => p.status?.phase === "Running" && !p.metadata?.deletionTimestamp);
    });
  }

  /** What the container does on a GPU, played here: it writes the summary and exits 0. */
  async function finishWithMessage(pod: V1Pod, message: string) {
    await ns.core.patchNamespacedPod(
      {
        name: pod.metadata!.name!,
        namespace: ns.name,
        body: { metadata: { annotations: { "berth.dev/sim-termination-message": message } } },
      },
      mergePatch,
    );
  }

  function awaitCheckFinished(id: string) {
    return waitFor(
      `A/B check ${id} to finish`,
      async () => {
        const c = (await admin("GET", `/abchecks/${id}`)).body;
        return ["passed", "failed", "error"].includes(c.state) ? c : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  }

  async function registerModel(version: string): Promise<string> {
    const r = await admin("POST", "/models", {
      team,
      name: "shapes",
      version,
      artifacts: { fp32: `models/shapes-${version}/fp32.onnx`, fp16: `models/shapes-${version}/fp16.onnx` },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.id as string;
  }

  async function requestCheck(model: string) {
    const r = await member("POST", `/models/${model}/abchecks`, { data: "datasets/shapes-val", pool: "t4" });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    return r.body as { id: string; job: string; state: string };
  }

  it.each([
    ["v100", "True", /compute capability 7\.0 has Tensor Cores/],
    ["t4", "True", /compute capability 7\.5 has Tensor Cores/],
    ["p100", "False", /compute capability 6\.0 \(Pascal\).*FP32 training/],
  ])(
    "launches a train job on %s with AMP %s, the shared volume, /dev/shm and the trainer ConfigMap",
    async (pool, amp, reason) => {
      const id = await train(pool, 2, { simDurationSeconds: 1 });
      const job = await awaitRunJob(id);
      const pod = job.spec!.template;
      const c = pod.spec!.containers[0]!;
      expect(c.image).toBe(TRAIN_IMAGE);
      expect(c.command).toEqual(["python3"]);
      expect(c.args?.[0]).toBe("/opt/berth/berth-train.py");
      expect(c.args).toEqual(
        expect.arrayContaining([
          `amp=${amp}`,
          "device=0,1",
          "data=/workspace/datasets/shapes/data.yaml",
          `project=/workspace/runs/${team}`,
          `name=${id}`,
        ]),
      );
      expect(c.args?.some((a) => a.startsWith("resume="))).toBe(false);
      expect(pod.metadata?.annotations).toMatchObject({
        "berth.dev/amp": amp.toLowerCase(),
        "berth.dev/amp-reason": expect.stringMatching(reason),
      });
      expect(c.resources?.limits?.["nvidia.com/gpu"]).toBe("2");
      // The team's shared volume, a memory-backed /dev/shm of 1 GiB per GPU, the trainer read-only.
      const mounts = new Map(c.volumeMounts?.map((m) => [m.mountPath, m]));
      const volumes = new Map(pod.spec!.volumes?.map((v) => [v.name, v]));
      expect(volumes.get(mounts.get("/workspace")!.name)?.persistentVolumeClaim?.claimName).toBe(
        "berth-shared",
      );
      expect(volumes.get(mounts.get("/dev/shm")!.name)?.emptyDir).toEqual({
        medium: "Memory",
        sizeLimit: "2Gi",
      });
      expect(mounts.get("/opt/berth")?.readOnly).toBe(true);
      expect(volumes.get(mounts.get("/opt/berth")!.name)?.configMap?.name).toBe("berth-trainer");
      const trainer = await ns.core.readNamespacedConfigMap({ name: "berth-trainer", namespace: ns.name });
      expect(trainer.data?.["berth-train.py"]).toBe(TRAINER_SCRIPT);
      // It ran where the core placed it, with its volume mounted, and Berth saw it finish.
      await awaitJobState(id, "succeeded");
      const ran = await ns.core.listNamespacedPod({
        namespace: ns.name,
        labelSelector: `job-name=${job.metadata!.name}`,
      });
      expect(ran.items.map((p) => p.spec?.nodeName?.replace(/-\d+$/, ""))).toEqual([pool]);
    },
  );

  it("keeps the trainer ConfigMap current: a changed one is put back at the next training's launch", async () => {
    await ns.core.patchNamespacedConfigMap(
      { name: "berth-trainer", namespace: ns.name, body: { data: { "berth-train.py": "print('stale')\n" } } },
      mergePatch,
    );
    const id = await train("t4", 1, { simDurationSeconds: 1 });
    await awaitRunJob(id);
    const trainer = await ns.core.readNamespacedConfigMap({ name: "berth-trainer", namespace: ns.name });
    expect(trainer.data?.["berth-train.py"]).toBe(TRAINER_SCRIPT);
    await awaitJobState(id, "succeeded");
  });

  it("suspends a preempted training and admits it again resuming from its last.pt", async () => {
    // p100 is one node of 4 GPUs: the high-priority job can only run by preempting the low one.
    const low = await train("p100", 4, {}, "low");
    await awaitJobState(low, "running");
    const first = await awaitRunJob(low, 1);
    expect(first.spec?.template.spec?.containers[0]?.args?.some((a) => a.startsWith("resume="))).toBe(false);

    const high = await submit({
      kind: "external",
      pool: "p100",
      gpus: 4,
      priority: "high",
      spec: { image: "berth.invalid/sim:1", simDurationSeconds: 2 },
    });
    // Preempted: Berth suspends the first run's Job, its pod goes, the job waits in the queue.
    const suspended = await waitFor(`the Job of ${low}#1 suspended with no pod left`, async () => {
      const j = await ns.batch.readNamespacedJob({ name: first.metadata!.name!, namespace: ns.name });
      return j.spec?.suspend === true && jobCondition(j, "Suspended") && !j.status?.active ? j : undefined;
    });
    expect(suspended.status?.succeeded ?? 0).toBe(0);
    await awaitJobState(high, "succeeded");

    const again = await awaitJobState(low, "running");
    expect(again.attempts).toBe(2);
    const second = await awaitRunJob(low, 2);
    const last = `/workspace/runs/${team}/${low}/weights/last.pt`;
    const args = second.spec?.template.spec?.containers[0]?.args ?? [];
    expect(args).toContain(`resume=${last}`);
    // The same run directory as the first run's, where its checkpoint lies.
    expect(args).toEqual(expect.arrayContaining([`project=/workspace/runs/${team}`, `name=${low}`]));
    expect(second.spec?.template.metadata?.annotations?.["berth.dev/resume-from"]).toBe(last);
    expect((await admin("DELETE", `/jobs/${low}`)).status).toBe(200);
  });

  it("records an A/B check from its validate pod's termination message, and judges it itself", async () => {
    const model = await registerModel("1");
    const check = await requestCheck(model);
    expect(check.state).toBe("queued");
    const job = await awaitRunJob(check.job);
    const c = job.spec!.template.spec!.containers[0]!;
    expect(c.image).toBe(BERTH_IMAGE);
    expect(c.command).toEqual(["berth"]);
    expect(c.args).toEqual([
      "validate",
      "--model",
      "/workspace/models/shapes-1/fp32.onnx",
      "--model-fp16",
      "/workspace/models/shapes-1/fp16.onnx",
      "--data",
      "/workspace/datasets/shapes-val",
      "--out",
      `/workspace/runs/${team}/${check.job}/export/ab-report.json`,
      "--provider",
      "cuda",
    ]);
    expect(c.terminationMessagePolicy).toBe("File");
    expect(c.resources?.limits?.["nvidia.com/gpu"]).toBe("1");

    const pod = await awaitRunningPod(check.job);
    expect(pod.spec?.nodeName).toMatch(/^t4-/);
    await waitFor(
      "the check running",
      async () => (await admin("GET", `/abchecks/${check.id}`)).body.state === "running",
    );
    await finishWithMessage(pod, gpuSummary(0.59046, 0.59043));

    const done = await awaitCheckFinished(check.id);
    expect(done).toMatchObject({ state: "passed", unlocksFp16: true, fp16Arithmetic: "gpu", pool: "t4" });
    expect(done.report).toMatchObject({
      images: 520,
      provider: "cuda",
      map5095: { fp32: 0.59046, fp16: 0.59043 },
    });
    expect(done.report.report).toMatch(/ab-report\.json$/);
    expect((await jobState(check.job)).state).toBe("succeeded");
    const promoted = await member("POST", `/models/${model}/promote`, { precision: "fp16", pool: "t4" });
    expect(promoted.status, JSON.stringify(promoted.body)).toBe(200);
    expect(promoted.body.inference).toMatchObject({ precision: "fp16" });
    // Below compute capability 7.0 the same model deploys in FP32.
    const p100 = await admin("GET", `/models/${model}/inference-config?pool=p100`);
    expect(p100.body.inference.precision).toBe("fp32");
  });

  it("registers a finished training's exports and runs their A/B check on its pool when it asked", async () => {
    const id = await train("t4", 1, {
      validate: true,
      validationData: "datasets/shapes-val",
      simDurationSeconds: 1,
    });
    await awaitJobState(id, "succeeded");
    // The follow-up validation job, named after the training, checks the training's own exports.
    const validation = `${id}-ab`;
    const job = await awaitRunJob(validation);
    expect(job.spec?.template.spec?.containers[0]?.args).toEqual(
      expect.arrayContaining([
        `/workspace/runs/${team}/${id}/export/best-fp32.onnx`,
        `/workspace/runs/${team}/${id}/export/best-fp16.onnx`,
        "/workspace/datasets/shapes-val",
      ]),
    );
    const check = (await admin("GET", "/abchecks")).body.items.find(
      (c: { job: string }) => c.job === validation,
    );
    expect(check).toMatchObject({ pool: "t4", computeCapability: "7.5" });
    const model = (await admin("GET", `/models/${check.model}`)).body;
    expect(model).toMatchObject({ name: "yolov8n", version: id, team });
    await finishWithMessage(await awaitRunningPod(validation), gpuSummary(0.5, 0.499));
    expect(await awaitCheckFinished(check.id)).toMatchObject({ state: "passed", unlocksFp16: true });
  });

  it("records a check whose validate pod failed as an error, with the reason", async () => {
    const model = await registerModel("2");
    const check = await requestCheck(model);
    const pod = await awaitRunningPod(check.job);
    await ns.core.patchNamespacedPod(
      {
        name: pod.metadata!.name!,
        namespace: ns.name,
        body: { metadata: { annotations: { "berth.dev/sim-exit-code": "1" } } },
      },
      mergePatch,
    );
    const done = await awaitCheckFinished(check.id);
    expect(done.state).toBe("error");
    expect(done.unlocksFp16).toBe(false);
    expect(done.reasons.join(" ")).toMatch(/the validation job failed/);
  });

  it("changes nothing on a forged verdict: a client's passed, or a pod message from a Job Berth did not create", async () => {
    const model = await registerModel("3");
    const check = await requestCheck(model);
    const pod = await awaitRunningPod(check.job);

    // A client cannot hand Berth a verdict: `passed` is no field of a request, and a member may not
    // import a report (only an admin may, and Berth judges its numbers).
    const withPassed = await member("POST", `/models/${model}/abchecks`, {
      data: "datasets/shapes-val",
      passed: true,
    });
    expect(withPassed.status).toBe(400);
    expect(withPassed.body.errors).toContainEqual(expect.objectContaining({ field: "passed" }));
    const side = { map5095: 0.6, map50: 0.8, apSmall: 0.4, imagesPerSecond: 700, peakMemoryMB: 40 };
    const imported = await member("POST", `/models/${model}/abchecks`, {
      report: {
        images: 520,
        provider: "cuda",
        fp32: side,
        fp16: side,
        delta: { map5095: 0, map50: 0, apSmall: 0, ci95: [-0.1, 0.1] },
        passed: true,
        fp16Arithmetic: "gpu",
      },
      pool: "t4",
    });
    expect(imported.status, JSON.stringify(imported.body)).toBe(403);

    // A Job Berth did not create, carrying the labels of the check's run, whose pod "passes".
    const forged = "forged-verdict";
    const own = (await awaitRunJob(check.job)).metadata?.labels ?? {};
    const labels = Object.fromEntries(
      Object.entries(own).filter(([k]) => k.startsWith("berth.dev/") || k === "app.kubernetes.io/managed-by"),
    );
    expect(labels).toMatchObject({ "berth.dev/job": check.job, "berth.dev/attempt": "1" });
    await ns.batch.createNamespacedJob({
      namespace: ns.name,
      body: {
        metadata: { name: forged, labels },
        spec: {
          backoffLimit: 0,
          template: {
            metadata: {
              labels,
              annotations: { "berth.dev/sim-termination-message": gpuSummary(0.6, 0.6) },
            },
            spec: forgerPod,
          },
        },
      },
    });
    await waitFor(`the forged Job complete`, async () =>
      jobCondition(await ns.batch.readNamespacedJob({ name: forged, namespace: ns.name }), "Complete"),
    );
    const forgedPod = await ns.core.listNamespacedPod({
      namespace: ns.name,
      labelSelector: `job-name=${forged}`,
    });
    expect(forgedPod.items[0]?.status?.containerStatuses?.[0]?.state?.terminated?.message).toContain(
      '"provider":"cuda"',
    );

    // A lone pod labelled as one of the run's Job's pods (its name sorts first), which "passes" too.
    const lone = await ns.core.createNamespacedPod({
      namespace: ns.name,
      body: {
        metadata: {
          name: "aa-forged-pod",
          labels: { "job-name": runJobName(check.job, 1), ...labels },
          annotations: { "berth.dev/sim-termination-message": gpuSummary(0.6, 0.6) },
        },
        spec: forgerPod,
      },
    });
    await waitFor("the lone pod to succeed", async () => {
      const p = await ns.core.readNamespacedPod({ name: lone.metadata!.name!, namespace: ns.name });
      return p.status?.phase === "Succeeded";
    });

    // Berth's own run then finishes with a summary whose FP16 loses 2 points: that is the verdict.
    await finishWithMessage(pod, gpuSummary(0.6, 0.58));
    const done = await awaitCheckFinished(check.id);
    expect(done).toMatchObject({ state: "failed", unlocksFp16: false });
    expect(done.report.map5095).toEqual({ fp32: 0.6, fp16: 0.58 });
    expect(done.reasons.join(" ")).toMatch(/drops 2\.00 points/);
    const fp16 = await member("POST", `/models/${model}/promote`, { precision: "fp16", pool: "t4" });
    expect(fp16.status).toBe(409);
  });
});
