// `berth serve` in its own process, as a user or a supervisor starts it, for the tests that need the
// real composition root against the test cluster; and the JSON log lines it writes.
import { type ChildProcess, spawn } from "node:child_process";
import { inject } from "vitest";
import { waitFor } from "../../cluster/wait.ts";

export interface Berth {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; stderr: string }>;
  readonly stdout: () => string;
}

/** `berth serve` as a user starts it: its own process, configured by the environment only. */
export function serve(env: Record<string, string>): Berth {
  const clean = { ...process.env };
  delete clean.KUBERNETES_SERVICE_HOST;
  delete clean.DATABASE_URL;
  delete clean.BERTH_ADMIN_TOKEN;
  const child = spawn(process.execPath, ["bin/berth.js", "serve"], {
    env: { ...clean, HOST: "127.0.0.1", PORT: "0", BERTH_LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    err += d;
  });
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on("exit", (code) => resolve({ code, stderr: err })),
  );
  return { child, exited, stdout: () => out };
}

/** The JSON log lines Berth wrote so far. */
export function logLines(text: string): { msg?: string; [k: string]: unknown }[] {
  return text.split("\n").flatMap((l) => {
    try {
      return l.trim() ? [JSON.parse(l)] : [];
    } catch {
      return [];
    }
  });
}

/** The URL Berth listens on, once it says so; fails at once if it exits before. */
export async function listeningUrl(berth: Berth): Promise<string> {
  const early = berth.exited.then(({ code, stderr }) => {
    throw new Error(`berth serve exited with ${code} before listening: ${stderr}`);
  });
  early.catch(() => {});
  return Promise.race([
    early,
    waitFor(
      "berth serve to listen",
      () => logLines(berth.stdout()).find((l) => l.msg === "Berth is listening")?.url as string | undefined,
      { timeoutMs: 90_000, intervalMs: 100 },
    ),
  ]);
}

/**
 * `berth serve` on the test cluster: Kubernetes executor, a 1 s tick, acting as the ServiceAccount
 * the manifests bind (support/berth-identity.ts), not as the admin.
 */
export function serveOnCluster(o: {
  dataDir: string;
  adminToken: string;
  namespace: string;
  /** More of Berth's environment (BERTH_IMAGE, say). */
  env?: Record<string, string>;
}): Berth {
  return serve({
    BERTH_DATA_DIR: o.dataDir,
    BERTH_ADMIN_TOKEN: o.adminToken,
    BERTH_EXECUTOR: "kubernetes",
    KUBECONFIG: inject("berthKubeconfig"),
    BERTH_NAMESPACE: o.namespace,
    BERTH_TICK_SECONDS: "1",
    ...o.env,
  });
}

/** Berth's REST API with a bearer token; the body comes back parsed (tests read arbitrary JSON). */
export function restClient(url: () => string, token: string) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url()}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies
    return { status: res.status, body: (await res.json()) as any };
  };
}

/** SIGTERM to a Berth still running, and its exit awaited. */
export async function stopBerth(berth: Berth | undefined): Promise<void> {
  if (berth && berth.child.exitCode === null) {
    berth.child.kill("SIGTERM");
    await berth.exited;
  }
}
