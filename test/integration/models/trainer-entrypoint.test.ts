// Berth's trainer entrypoint (src/yolo/berth-train.py) run by python3 with the arguments the train
// kind gives a Job, against a stand-in for ultralytics (test/fixtures/fake-ultralytics: real
// training needs torch and a GPU image; the GPU run is recorded evidence, BENCHMARKS.md). What is
// checked here is the entrypoint's own logic: a first run trains from the model, a run admitted
// again resumes from the checkpoint its arguments name, or starts afresh when there is none.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runPaths, trainShape } from "../../../src/yolo/train-job.ts";

const ENTRYPOINT = resolve("src/yolo/berth-train.py");
const FAKE = resolve("test/fixtures/fake-ultralytics");
const dir = mkdtempSync(join(tmpdir(), "berth-trainer-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The Job's arguments for a run, with the shared volume at a temporary directory. */
function jobArgs(job: string, attempt: number): string[] {
  const shape = trainShape({
    jobId: job,
    attempt,
    team: "vision",
    pool: { name: "t4", product: "Tesla-T4", computeCapability: "7.5", gpusPerNode: 4 },
    gpus: 1,
    spec: {
      image: "ultralytics/ultralytics:8.4.190",
      model: "yolov8n.yaml",
      data: "/workspace/data/shapes.yaml",
      epochs: 3,
      imgsz: 64,
      batch: 4,
      workers: 0,
    },
  });
  return shape.args.slice(1).map((a) => a.replace("=/workspace/", `=${dir}/`));
}

function runTrainer(args: string[]) {
  const log = join(dir, `calls-${Math.random().toString(36).slice(2)}.jsonl`);
  const r = spawnSync("python3", [ENTRYPOINT, ...args], {
    env: { ...process.env, PYTHONPATH: FAKE, FAKE_YOLO_LOG: log },
    encoding: "utf8",
  });
  const calls = existsSync(log)
    ? readFileSync(log, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { call: string; model: string; kwargs?: Record<string, unknown> })
    : [];
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, calls };
}

const local = (path: string) => path.replace("/workspace/", `${dir}/`);

describe("the trainer entrypoint", () => {
  it("trains a first run from its model and exports FP32 and FP16 ONNX beside it", () => {
    const r = runTrainer(jobArgs("j-1", 1));
    expect(r.code, r.stderr).toBe(0);
    const train = r.calls.find((c) => c.call === "train");
    expect(train?.model).toBe("yolov8n.yaml");
    expect(train?.kwargs).toMatchObject({ epochs: 3, imgsz: 64, amp: true, name: "j-1" });
    expect(train?.kwargs).not.toHaveProperty("resume");
    const paths = runPaths("vision", "j-1");
    expect(readFileSync(local(paths.onnxFp32), "utf8")).toBe("fp32");
    expect(readFileSync(local(paths.onnxFp16), "utf8")).toBe("fp16");
  });

  it("resumes a run admitted again from the last.pt its arguments name", () => {
    const args = jobArgs("j-1", 2);
    const last = local(runPaths("vision", "j-1").lastCheckpoint);
    expect(args).toContain(`resume=${last}`);
    const r = runTrainer(args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`resuming from ${last}`);
    expect(r.calls.filter((c) => c.call === "train")).toEqual([
      { call: "train", model: last, kwargs: { resume: true } },
    ]);
  });

  it("starts afresh when the run before stopped in its first epoch and left no checkpoint", () => {
    const r = runTrainer(jobArgs("j-2", 2));
    expect(r.code, r.stderr).toBe(0);
    const train = r.calls.find((c) => c.call === "train");
    expect(train?.model).toBe("yolov8n.yaml");
    expect(train?.kwargs).not.toHaveProperty("resume");
    expect(train?.kwargs).toMatchObject({ project: `${dir}/runs/vision`, name: "j-2" });
  });
});
