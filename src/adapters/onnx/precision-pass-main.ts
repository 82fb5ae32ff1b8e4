// The child process of one precision pass (precision-pass.ts): argv holds the request as JSON and
// the file to write the result to; a failure is written there as {"error"}, so the parent reports
// its message (its own first line) rather than a bare exit code.
import { writeFile } from "node:fs/promises";
import { loadValidationSet } from "../files/validation-set.ts";
import { readImage } from "../images/read-image.ts";
import {
  cudaProviderInstalled,
  type DetectorSession,
  openDetector,
  type Provider,
} from "./detector-session.ts";
import type { PassRequest, PassResult } from "./precision-pass.ts";
import { runDetector } from "./run-detector.ts";

async function open(path: string, provider: Provider | "auto", threads?: number): Promise<DetectorSession> {
  const sized = threads ? { threads } : {};
  if (provider !== "auto") return openDetector(path, { provider, ...sized });
  if (!cudaProviderInstalled()) return openDetector(path, { provider: "cpu", ...sized });
  try {
    return await openDetector(path, { provider: "cuda", quiet: true, ...sized });
  } catch {
    return openDetector(path, { provider: "cpu", ...sized });
  }
}

function progressBar(label: string | undefined, total: number): (done: number) => void {
  if (!label || !process.stderr.isTTY) return () => {};
  return (done) => {
    const width = 30;
    const filled = Math.round((done / total) * width);
    process.stderr.write(`\r${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total}`);
    if (done === total) process.stderr.write("\n");
  };
}

async function pass(req: PassRequest): Promise<PassResult> {
  const { gt, images } = await loadValidationSet(req.data, req.dataLabel);
  const session = await open(req.model, req.provider, req.threads);
  try {
    const run = await runDetector(
      session,
      images,
      readImage,
      gt.categoryIds,
      req.postprocess,
      progressBar(req.progressLabel, images.length),
    );
    return {
      path: session.path,
      provider: session.provider,
      inputType: session.inputType,
      outputType: session.outputType,
      ...run,
    };
  } finally {
    await session.release();
  }
}

const [request, out] = process.argv.slice(2);
try {
  await writeFile(out!, JSON.stringify(await pass(JSON.parse(request!) as PassRequest)));
} catch (err) {
  await writeFile(out!, JSON.stringify({ error: (err as Error).message.split("\n")[0] }));
}
