// `berth validate` as the validation Job runs it, on the committed fixtures (a real detector trained
// on the synthetic shapes set, its FP16 conversion, 520 validation images): the report's contract
// fields, exit 0 whatever the verdict, no progress bar without a terminal, and a CPU result that
// never unlocks fp16.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encode as encodeJpeg } from "jpeg-js";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../../..");
const FIXTURES = join(ROOT, "test/fixtures/yolo");
const dir = mkdtempSync(join(tmpdir(), "berth-validate-"));

function validate(out: string, ...extra: string[]) {
  return validateIn({ KUBERNETES_SERVICE_HOST: "" }, out, ...extra);
}

function validateIn(env: Record<string, string>, out: string, ...extra: string[]) {
  return spawnSync(
    process.execPath,
    [
      join(ROOT, "bin/berth.js"),
      "validate",
      "--model",
      join(FIXTURES, "shapes-v8-fp32.onnx"),
      "--model-fp16",
      join(FIXTURES, "shapes-v8-fp16.onnx"),
      "--data",
      join(FIXTURES, "val"),
      "--out",
      out,
      "--bootstrap",
      "200",
      ...extra,
    ],
    { encoding: "utf8", env: { ...process.env, ...env } },
  );
}

describe("berth validate", () => {
  it("writes the contract's report, passes the gate on 520 images, and labels CPU FP16 as emulated", () => {
    const out = join(dir, "report.json");
    const r = validate(out, "--provider", "cpu");
    expect(r.stderr).toBe(""); // no progress bar without a terminal
    expect(r.status).toBe(0);
    const report = JSON.parse(readFileSync(out, "utf8"));
    expect(report).toMatchObject({
      images: 520,
      provider: "cpu",
      passed: true,
      fp16Arithmetic: "emulated-on-cpu",
      unlocksFp16: false,
    });
    for (const side of ["fp32", "fp16"]) {
      for (const key of ["map5095", "map50", "apSmall", "imagesPerSecond", "peakMemoryMB"]) {
        expect(typeof report[side][key], `${side}.${key}`).toBe("number");
      }
    }
    expect(report.fp32.inputType).toBe("float32");
    expect(report.fp16.inputType).toBe("float16");
    expect(report.fp32.map5095).toBeGreaterThan(0.2);
    expect(Object.keys(report.delta)).toEqual(
      expect.arrayContaining(["map5095", "map50", "apSmall", "ci95"]),
    );
    expect(report.delta.ci95[0]).toBeLessThanOrEqual(report.delta.ci95[1]);
    expect(Math.abs(report.delta.map5095)).toBeLessThan(0.5);
    expect(report.reasons.join("\n")).toMatch(/never unlocks fp16/);
    expect(r.stdout).toMatch(/PASSED on 520 images, provider cpu/);
  });

  it("exits 0 with passed: false when the gate fails, and in a pod writes the verdict to the termination log", () => {
    const out = join(dir, "failing.json");
    const log = join(dir, "termination-log");
    writeFileSync(log, "");
    const r = validateIn(
      { KUBERNETES_SERVICE_HOST: "10.96.0.1", BERTH_TERMINATION_LOG: log },
      out,
      "--provider",
      "cpu",
      "--min-images",
      "1000",
      "--json",
    );
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.passed).toBe(false);
    expect(report.reasons[0]).toBe("only 520 validation images; the gate needs at least 1000");
    expect(JSON.parse(readFileSync(out, "utf8")).passed).toBe(false);
    const summary = JSON.parse(readFileSync(log, "utf8"));
    expect(summary).toMatchObject({
      passed: false,
      unlocksFp16: false,
      fp16Arithmetic: "emulated-on-cpu",
      images: 520,
    });
    expect(readFileSync(log).length).toBeLessThanOrEqual(4096);
  });

  it("reads JPEG images as well as PNG: the same detections within a fraction of a point", () => {
    // The first 40 images, once as the committed PNGs and once re-encoded as JPEG (quality 98).
    const gt = JSON.parse(readFileSync(join(FIXTURES, "val/annotations.json"), "utf8"));
    const images = gt.images.slice(0, 40);
    const ids = new Set(images.map((i: { id: number }) => i.id));
    const subset = (rename: (f: string) => string) => ({
      ...gt,
      images: images.map((i: { file_name: string }) => ({ ...i, file_name: rename(i.file_name) })),
      annotations: gt.annotations.filter((a: { image_id: number }) => ids.has(a.image_id)),
    });
    const pngDir = mkdtempSync(join(tmpdir(), "berth-png-"));
    const jpegDir = mkdtempSync(join(tmpdir(), "berth-jpeg-"));
    mkdirSync(join(pngDir, "images"));
    mkdirSync(join(jpegDir, "images"));
    for (const i of images as { file_name: string }[]) {
      const png = readFileSync(join(FIXTURES, "val/images", i.file_name));
      writeFileSync(join(pngDir, "images", i.file_name), png);
      const { width, height, data } = PNG.sync.read(png);
      const jpeg = encodeJpeg({ width, height, data }, 98).data;
      writeFileSync(join(jpegDir, "images", i.file_name.replace(/\.png$/, ".jpg")), jpeg);
    }
    writeFileSync(join(pngDir, "annotations.json"), JSON.stringify(subset((f) => f)));
    writeFileSync(
      join(jpegDir, "annotations.json"),
      JSON.stringify(subset((f) => f.replace(/\.png$/, ".jpg"))),
    );
    const run = (data: string) => {
      const out = join(dir, `${data.includes("jpeg") ? "jpeg" : "png"}.json`);
      const r = validate(out, "--data", data, "--provider", "cpu", "--min-images", "10");
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(readFileSync(out, "utf8"));
    };
    const [fromPng, fromJpeg] = [run(pngDir), run(jpegDir)];
    expect(fromJpeg.images).toBe(40);
    expect(fromJpeg.fp32.map5095).toBeGreaterThan(0.1);
    expect(Math.abs(fromJpeg.fp32.map5095 - fromPng.fp32.map5095)).toBeLessThan(0.02);
  });

  it.each([
    [["--provider", "tpu"], /--provider must be cuda or cpu/],
    [["--tolerance", "-1"], /--tolerance must be a number/],
  ])("refuses bad input %j with one line on stderr and a non-zero exit", (extra, message) => {
    const r = validate(join(dir, "never.json"), ...extra);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it("refuses a data directory without a COCO file", () => {
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, "bin/berth.js"),
        "validate",
        "--model",
        "a.onnx",
        "--model-fp16",
        "b.onnx",
        "--data",
        dir,
        "--out",
        join(dir, "x.json"),
      ],
      { encoding: "utf8" },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/must hold annotations\.json/);
  });
});
