// Starts the control-plane components as detached processes (they outlive `npm run cluster:up`)
// and stops them by pid. A pid is only signalled while /proc says it still runs the same binary,
// so a recycled pid is never hit.
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { waitFor } from "./wait.ts";

export interface ManagedProcess {
  name: string;
  pid: number;
  bin: string;
  log: string;
}

export function startDetached(name: string, bin: string, args: string[], log: string): ManagedProcess {
  const fd = openSync(log, "a");
  try {
    const child = spawn(bin, args, {
      detached: true,
      stdio: ["ignore", fd, fd],
      // Loopback traffic (webhooks, kubelet-less probes) must never go through a proxy.
      env: { ...process.env, NO_PROXY: "127.0.0.1,localhost", no_proxy: "127.0.0.1,localhost" },
    });
    if (child.pid === undefined) throw new Error(`could not start ${name} (${bin})`);
    child.unref();
    return { name, pid: child.pid, bin, log };
  } finally {
    closeSync(fd);
  }
}

/** True while the pid is alive (not a zombie) and still runs `bin`. */
export function isRunning(p: Pick<ManagedProcess, "pid" | "bin">): boolean {
  try {
    const argv0 = readFileSync(`/proc/${p.pid}/cmdline`, "utf8").split("\0")[0];
    const state = readFileSync(`/proc/${p.pid}/stat`, "utf8").split(") ")[1]?.[0];
    return argv0 === p.bin && state !== "Z";
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(p: ManagedProcess, graceMs = 10_000): Promise<void> {
  if (!isRunning(p)) return;
  process.kill(p.pid, "SIGTERM");
  try {
    await waitFor(`${p.name} (pid ${p.pid}) to exit`, () => !isRunning(p), {
      timeoutMs: graceMs,
      intervalMs: 100,
    });
  } catch {
    if (isRunning(p)) process.kill(p.pid, "SIGKILL");
    await waitFor(`${p.name} (pid ${p.pid}) to die`, () => !isRunning(p), {
      timeoutMs: 5_000,
      intervalMs: 100,
    });
  }
}

export function logTail(p: ManagedProcess, lines = 20): string {
  try {
    return readFileSync(p.log, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
