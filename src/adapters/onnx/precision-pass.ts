// One precision's pass over a validation set, in a process of its own (precision-pass-main.ts):
// the peak resident memory a pass reports is then that precision's alone, not the high-water mark
// the earlier pass left in a shared process, and a crash in the native runtime fails one pass
// with a message instead of taking the caller down.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CocoDetection } from "../../abcheck/coco-input.ts";
import type { PostprocessOptions } from "../../abcheck/detections-to-coco.ts";
import type { YoloLayout } from "../../abcheck/yolo-decode.ts";
import type { Provider } from "./detector-session.ts";

export interface PassRequest {
  readonly model: string;
  /** The validation set's directory, and how errors name it. */
  readonly data: string;
  readonly dataLabel: string;
  readonly provider: Provider | "auto";
  readonly threads?: number | undefined;
  readonly postprocess: PostprocessOptions;
  /** Draw a progress bar on stderr, labelled so (only where stderr is a terminal). */
  readonly progressLabel?: string;
}

export interface PassResult {
  readonly path: string;
  readonly provider: Provider;
  readonly inputType: "float32" | "float16";
  readonly outputType: "float32" | "float16";
  readonly layout: YoloLayout;
  readonly detections: CocoDetection[];
  readonly imagesPerSecond: number;
  readonly peakMemoryMB: number;
}

const MAIN = fileURLToPath(new URL("./precision-pass-main.ts", import.meta.url));

/** Runs the pass in a child of this Node (with this process's loader flags, tsx included). */
export async function runPassInChild(req: PassRequest): Promise<PassResult> {
  const dir = await mkdtemp(join(tmpdir(), "berth-pass-"));
  const out = join(dir, "pass.json");
  try {
    const child = spawn(process.execPath, [...process.execArgv, MAIN, JSON.stringify(req), out], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (c, signal) => resolve(c ?? (signal ? 128 : null)));
    });
    const text = await readFile(out, "utf8").catch(() => undefined);
    if (code !== 0 || text === undefined) throw new Error(`the ${req.model} pass exited ${code}`);
    const result = JSON.parse(text) as PassResult | { error: string };
    if ("error" in result) throw new Error(result.error);
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
