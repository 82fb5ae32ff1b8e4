// Locates the test-only Python venv that scripts/setup-test-deps.sh creates (pycocotools,
// faster-coco-eval, onnxruntime at pinned versions, outside the repo) and runs scripts in it.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const PYVENV = process.env.BERTH_PYVENV ?? join(homedir(), ".cache", "berth", "pyvenv");

export function venvPython(): string {
  const python = join(PYVENV, "bin", "python");
  if (!existsSync(python)) {
    throw new Error(`test venv missing at ${PYVENV}: run scripts/setup-test-deps.sh (it creates it)`);
  }
  return python;
}

export function runPython(script: string, args: readonly string[]): string {
  return execFileSync(venvPython(), [script, ...args], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
}
