// `berth serve` as a real child process (`bin/berth.js serve`, one node process, so a SIGKILL or SIGTERM hits the
// server itself), for crash and restart tests and the benchmarks (so it imports nothing of vitest's:
// crash tests' storage is crash-storage.ts).
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

export interface BerthProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly output: () => string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const a = srv.address();
      srv.close(() => (typeof a === "object" && a ? resolve(a.port) : reject(new Error("no port"))));
    });
  });
}

export async function startBerthProcess(env: Record<string, string>): Promise<BerthProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ["bin/berth.js", "serve"], {
    // Simulated unless a test asks otherwise: a developer's kubeconfig must not change what runs.
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      BERTH_LOG_LEVEL: "warn",
      BERTH_EXECUTOR: "simulated",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d) => (out += d));
  child.stderr?.on("data", (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`berth serve exited ${child.exitCode}: ${out}`);
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`berth serve not ready: ${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    child,
    output: () => out,
    kill: (signal) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill(signal);
      }),
  };
}
