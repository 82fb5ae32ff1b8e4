// Benchmark: onnxruntime-node (Berth's adapter) against Python onnxruntime on the same model, the
// same letterboxed inputs and the same thread count, inference only, best of a few passes. The
// runtime is the limit here; the ratio shows what the Node binding costs on top.
// Run: npm run bench:abcheck:ort (needs the test venv of scripts/setup-test-deps.sh).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { parseGroundTruth } from "../../src/abcheck/coco-input.ts";
import { letterbox } from "../../src/abcheck/letterbox.ts";
import { readPng } from "../../src/adapters/images/read-png.ts";
import { openDetector } from "../../src/adapters/onnx/detector-session.ts";

const FIXTURES = join(import.meta.dirname, "../../test/fixtures/yolo");
const threads = Number(process.env.BENCH_THREADS ?? 1);
const repeats = Number(process.env.BENCH_REPEATS ?? 3);
const count = Number(process.env.BENCH_IMAGES ?? 200);
const python = join(process.env.BERTH_PYVENV ?? join(homedir(), ".cache/berth/pyvenv"), "bin/python");
const gt = parseGroundTruth(JSON.parse(readFileSync(join(FIXTURES, "val/annotations.json"), "utf8")));
const dir = mkdtempSync(join(tmpdir(), "berth-bench-ort-"));

for (const model of ["shapes-v8-fp32.onnx", "shapes-v8-fp16.onnx"]) {
  const path = join(FIXTURES, model);
  const session = await openDetector(path, { provider: "cpu", threads });
  const [, , h, w] = session.inputDims;
  const inputs: Float32Array[] = [];
  for (const id of gt.imageIds.slice(0, count)) {
    inputs.push(letterbox(await readPng(join(FIXTURES, "val/images", gt.fileNames.get(id)!)), w, h).tensor);
  }
  await session.run(inputs[0]!); // warm-up
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < repeats; r++) {
    const t = process.hrtime.bigint();
    for (const x of inputs) await session.run(x);
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e9);
  }
  await session.release();
  const raw = join(dir, "inputs.f32");
  writeFileSync(raw, Buffer.concat(inputs.map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength))));
  const py = JSON.parse(
    execFileSync(
      python,
      [join(import.meta.dirname, "ort-python.py"), path, raw, String(threads), String(repeats)],
      {
        encoding: "utf8",
      },
    ),
  ) as { seconds: number; images: number };
  const node = inputs.length / best;
  const pyRate = py.images / py.seconds;
  console.log(
    `${model}: ${threads} thread(s), ${inputs.length} images: onnxruntime-node ${node.toFixed(1)} img/s, python onnxruntime ${pyRate.toFixed(1)} img/s, node/python ${(node / pyRate).toFixed(2)}`,
  );
}
