// Benchmark: Berth's COCO evaluator against pycocotools (and faster-coco-eval, for context) on the
// same large generated case, in one run. Checks the 12 stats are identical (max |diff|) and prints
// the time ratio. Run: npm run bench:abcheck (needs the test venv of scripts/setup-test-deps.sh).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { accumulateCoco } from "../../src/abcheck/coco-accumulate.ts";
import { evaluateCoco } from "../../src/abcheck/coco-evaluate.ts";
import { parseDetections, parseGroundTruth } from "../../src/abcheck/coco-input.ts";
import { summarizeCoco } from "../../src/abcheck/coco-summarize.ts";
import { makeCocoCase } from "../../test/fixtures/coco-cases.ts";

const images = Number(process.env.BENCH_IMAGES ?? 5000);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const python = join(process.env.BERTH_PYVENV ?? join(homedir(), ".cache/berth/pyvenv"), "bin/python");
const dir = mkdtempSync(join(tmpdir(), "berth-bench-"));
const c = makeCocoCase({
  seed: 2024,
  images,
  categories: 80,
  gtPerImage: 7.2,
  dtPerImage: 100,
  crowdRate: 0.01,
  emptyRate: 0.01,
});
const gtPath = join(dir, "gt.json");
const dtPath = join(dir, "dt.json");
writeFileSync(gtPath, JSON.stringify(c.gt));
writeFileSync(dtPath, JSON.stringify(c.dt));
console.log(`case: ${c.gt.images.length} images, ${c.gt.annotations.length} GT, ${c.dt.length} detections`);

function berthOnce(): { seconds: number; stats: number[] } {
  const t = process.hrtime.bigint();
  const gt = parseGroundTruth(JSON.parse(readFileSync(gtPath, "utf8")));
  const dts = parseDetections(JSON.parse(readFileSync(dtPath, "utf8")), gt);
  const stats = summarizeCoco(accumulateCoco(evaluateCoco(gt, dts)));
  return { seconds: Number(process.hrtime.bigint() - t) / 1e9, stats };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const berth = Array.from({ length: runs }, berthOnce);
const berthSeconds = median(berth.map((r) => r.seconds));
console.log(
  `berth: ${berth.map((r) => r.seconds.toFixed(2)).join(", ")} s (median ${berthSeconds.toFixed(2)})`,
);

const refs = execFileSync(python, [join(import.meta.dirname, "reference-eval.py"), gtPath, dtPath], {
  encoding: "utf8",
  maxBuffer: 64 * 1024 * 1024,
})
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l) as { tool: string; seconds: number; stats: number[] });
for (const r of refs) {
  const diff = Math.max(...r.stats.map((s, i) => Math.abs(s - berth[0]!.stats[i]!)));
  console.log(
    `${r.tool}: ${r.seconds.toFixed(2)} s, berth is ${(r.seconds / berthSeconds).toFixed(1)}x faster, max |stat diff| ${diff.toExponential(2)}`,
  );
}
console.log(`stats: ${berth[0]!.stats.map((s) => s.toFixed(4)).join(" ")}`);
