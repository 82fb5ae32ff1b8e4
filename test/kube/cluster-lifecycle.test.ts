// cluster:up / cluster:down as functions: a second, private control plane (its own .berth under a
// temp root) comes up with the admin kubeconfig and kubectl link, and going down leaves no process
// of it running (checked in /proc, like `ps`) and no data behind.
import { execFile } from "node:child_process";
import { access, mkdtemp, readdir, readFile, readlink, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { type ClusterState, clusterPaths, down, isHealthy, up } from "../cluster/control-plane.ts";

const run = promisify(execFile);

/** Pids of every process whose command line mentions `needle` (what `ps -ef | grep` would show). */
async function processesMentioning(needle: string): Promise<number[]> {
  const pids = (await readdir("/proc")).filter((d) => /^\d+$/.test(d));
  const hits = await Promise.all(
    pids.map(async (pid) => {
      const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
      return cmdline.includes(needle) ? Number(pid) : undefined;
    }),
  );
  return hits.filter((pid) => pid !== undefined && pid !== process.pid) as number[];
}

describe("cluster up and down", () => {
  let root = "";
  let state: ClusterState | undefined;
  afterAll(async () => {
    if (state) await down(state, root);
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("starts a control plane whose kubectl and kubeconfig work, then stops all of it", async () => {
    root = await mkdtemp(join(tmpdir(), "berth-root-"));
    const paths = clusterPaths(root);
    state = await up({ root });
    expect(await isHealthy(state)).toBe(true);
    expect(await processesMentioning(state.dir)).toHaveLength(5);
    expect(await readlink(paths.kubectl)).toBe(join(state.binDir, "kubectl"));
    const { stdout } = await run(paths.kubectl, [
      "--kubeconfig",
      paths.kubeconfig,
      "get",
      "nodes",
      "-o",
      "name",
    ]);
    expect(stdout.trim().split("\n")).toHaveLength(7);

    const { survivors } = await down(state, root);
    expect(survivors).toEqual([]);
    expect(await processesMentioning(state.dir)).toEqual([]);
    await expect(access(state.dir)).rejects.toThrow();
    await expect(access(paths.state)).rejects.toThrow();
    state = undefined;
  });
});
