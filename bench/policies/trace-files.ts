// Where the Alibaba GPU v2023 trace lies: `../shared/traces/` beside the repository (research use
// only, never copied into it; see that folder's README). A worktree one level deeper finds it at
// `../../shared/traces/`; BERTH_TRACES_DIR names another place.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type AlibabaTraceOptions, alibabaWorkload } from "../../src/simulator/alibaba-trace.ts";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const POD_FILE = "alibaba-gpu-v2023-openb_pod_list_default.csv";
const NODE_FILE = "alibaba-gpu-v2023-openb_node_list_gpu_node.csv";

export function tracesDir(): string {
  const candidates = [
    process.env.BERTH_TRACES_DIR,
    join(REPO_ROOT, "..", "shared", "traces"),
    join(REPO_ROOT, "..", "..", "shared", "traces"),
  ].filter((d): d is string => Boolean(d));
  const found = candidates.find((d) => existsSync(join(d, POD_FILE)));
  if (!found) throw new Error(`the Alibaba trace is not in ${candidates.join(" or ")}`);
  return found;
}

/** The trace as a workload, read from where it lies. */
export function traceWorkload(options: Partial<AlibabaTraceOptions> = {}) {
  const dir = tracesDir();
  return alibabaWorkload(
    readFileSync(join(dir, POD_FILE), "utf8"),
    readFileSync(join(dir, NODE_FILE), "utf8"),
    options,
  );
}
