// Runs that work without a cluster, as processes on Berth's own machine (embedded mode; the
// directory of a run's result file must exist: src/main.ts makes it). A
// validation runs `berth validate` on the CPU for real. A run that exits 0 succeeds with its
// result file as its result; any other exit fails with the last line it wrote to stderr; a stop
// sends SIGTERM and the run is stopped once the process is gone.
import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import type { Millis } from "../../core/types.ts";
import type { ExecutorEvent, RunSpec } from "../../services/ports.ts";

type LocalRun = NonNullable<RunSpec["local"]>;

/** The most of a result file Berth reads back (a whole `berth validate` report fits easily). */
const MAX_RESULT_BYTES = 4 * 1024 * 1024;

export interface LocalRuns {
  start(job: string, attempt: number, run: LocalRun): void;
  /** False when the run is not a local process this executor started. */
  stop(job: string, attempt: number): boolean;
  has(job: string, attempt: number): boolean;
  known(): { job: string; attempt: number }[];
  close(): Promise<void>;
}

async function resultOf(run: LocalRun): Promise<string | undefined> {
  if (!run.resultFile) return undefined;
  const text = await readFile(run.resultFile, "utf8").catch(() => undefined);
  return text !== undefined && text.length <= MAX_RESULT_BYTES ? text : undefined;
}

export function localRuns(o: { now: () => Millis; emit: (e: ExecutorEvent) => void }): LocalRuns {
  const running = new Map<string, { job: string; attempt: number; child: ChildProcess; stopping: boolean }>();
  const key = (job: string, attempt: number) => `${job}#${attempt}`;
  return {
    start(job, attempt, run) {
      const k = key(job, attempt);
      let stderr = "";
      const child = spawn(run.command, [...run.args], { stdio: ["ignore", "ignore", "pipe"] });
      const entry = { job, attempt, child, stopping: false };
      running.set(k, entry);
      child.stderr?.on("data", (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-4096);
      });
      child.once("spawn", () => o.emit({ job, attempt, type: "running", at: o.now() }));
      child.once("error", (err) => {
        running.delete(k);
        o.emit({ job, attempt, type: "failed", at: o.now(), message: err.message });
      });
      child.once("exit", (code, signal) => {
        running.delete(k);
        if (entry.stopping) return o.emit({ job, attempt, type: "stopped", at: o.now() });
        if (code !== 0) {
          const last = stderr.trim().split("\n").at(-1);
          const message = `exited ${code ?? signal}${last ? `: ${last}` : ""}`;
          return o.emit({ job, attempt, type: "failed", at: o.now(), message });
        }
        void resultOf(run).then((result) =>
          o.emit({ job, attempt, type: "succeeded", at: o.now(), ...(result ? { result } : {}) }),
        );
      });
    },
    stop(job, attempt) {
      const entry = running.get(key(job, attempt));
      if (!entry) return false;
      entry.stopping = true;
      entry.child.kill("SIGTERM");
      return true;
    },
    has: (job, attempt) => running.has(key(job, attempt)),
    known: () => [...running.values()].map(({ job, attempt }) => ({ job, attempt })),
    async close() {
      const exits = [...running.values()].map(
        (r) =>
          new Promise<void>((resolve) =>
            r.child.exitCode !== null ? resolve() : r.child.once("exit", () => resolve()),
          ),
      );
      for (const r of running.values()) {
        r.stopping = true;
        r.child.kill("SIGTERM");
      }
      await Promise.all(exits);
    },
  };
}
