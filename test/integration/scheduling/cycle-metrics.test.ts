// What an operator reads at /metrics of a running Berth: each numbered step of the scheduling cycle
// timed, and per pool the GPUs booked, running, lent and reserved but idle, with the queue depth.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor } from "../../cluster/wait.ts";
import { startBerthProcess } from "../../support/berth-process.ts";

const TOKEN = "metrics-test-admin-token-0123456789";

async function call(url: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: the test reads arbitrary JSON bodies
  return { status: res.status, body: (await res.json()) as any };
}

describe("the cycle's metrics", () => {
  it("time every step and gauge each pool's GPUs and the queue", async () => {
    const dir = await mkdtemp(join(tmpdir(), "berth-metrics-"));
    const berth = await startBerthProcess({ BERTH_ADMIN_TOKEN: TOKEN, BERTH_DATA_DIR: dir });
    try {
      expect((await call(berth.url, "POST", "/teams", { name: "vision" })).status).toBe(201);
      const grid = 15 * 60_000;
      const start = Math.floor(Date.now() / grid) * grid;
      const booked = await call(berth.url, "POST", "/reservations", {
        team: "vision",
        pool: "V100",
        nodes: 1,
        gpusPerNode: 8,
        start: new Date(start).toISOString(),
        end: new Date(start + 4 * grid).toISOString(),
        priority: "normal",
        title: "metrics",
      });
      expect(booked.status).toBe(201);
      const job = await call(berth.url, "POST", "/jobs", {
        kind: "external",
        pool: "V100",
        gpus: 2,
        team: "vision",
        reservation: booked.body.id,
        spec: { image: "registry.example/train:1" },
      });
      expect(job.status).toBe(201);
      const gauge = (text: string, name: string) =>
        Number(
          text
            .split("\n")
            .find((l) => l.startsWith(name))
            ?.split(" ")[1] ?? Number.NaN,
        );
      const text = await waitFor("the gauges to show the running job", async () => {
        const t = await (await fetch(`${berth.url}/metrics`)).text();
        return gauge(t, 'berth_pool_gpus{pool="V100",kind="running"}') === 2 ? t : false;
      });
      expect(gauge(text, 'berth_pool_gpus{pool="V100",kind="booked"}')).toBe(8);
      expect(gauge(text, 'berth_pool_gpus{pool="V100",kind="idle_reserved"}')).toBe(6);
      expect(gauge(text, 'berth_queued_jobs{priority="normal"}')).toBe(0);
      for (const step of ["1-reapply", "2-snapshot", "3-plan", "4-persist", "5-apply"])
        expect(text).toContain(`berth_cycle_step_duration_seconds_count{step="${step}"}`);
    } finally {
      await berth.kill("SIGTERM");
      await rm(dir, { recursive: true, force: true });
    }
  });
});
