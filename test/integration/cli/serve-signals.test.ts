// `berth serve` as a supervisor runs it (`bin/berth.js serve`): the signal it sends reaches the
// server itself, which stops accepting requests, finishes and exits 0. With the earlier two-process
// launcher the signal stopped only the wrapper and the server kept serving.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type BerthProcess, startBerthProcess } from "../../support/berth-process.ts";

describe("berth serve under a supervisor", () => {
  let berth: BerthProcess | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await berth?.kill("SIGKILL");
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each(["SIGTERM", "SIGINT"] as const)("stops gracefully on %s, and the port is freed", async (signal) => {
    dir = await mkdtemp(join(tmpdir(), "berth-signal-"));
    berth = await startBerthProcess({
      BERTH_DATA_DIR: dir,
      BERTH_LOG_LEVEL: "info",
      BERTH_LOG_FORMAT: "json",
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      berth?.child.once("exit", (code, sig) => resolve({ code, signal: sig })),
    );
    berth.child.kill(signal);
    expect(await exited).toEqual({ code: 0, signal: null });
    const lines = berth
      .output()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { msg: string });
    expect(lines.map((l) => l.msg)).toContain("stopped");
    await expect(fetch(`${berth.url}/healthz`)).rejects.toThrow();
  });
});
