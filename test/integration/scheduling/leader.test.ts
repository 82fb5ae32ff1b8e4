// Two replicas on one PostgreSQL, as a Deployment with two pods runs them: both serve the API, one
// runs the loop. A job submitted to the other is admitted at once (the change reaches the leader
// over LISTEN/NOTIFY, not at its next tick, which is an hour away here). SIGKILL the leader: the
// other takes over within its retry time, and no decision is ever made twice.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { waitFor } from "../../cluster/wait.ts";
import { type BerthProcess, startBerthProcess } from "../../support/berth-process.ts";
import { createTestDatabase } from "../../support/database.ts";

const TOKEN = "leader-test-admin-token-0123456789";

async function call(url: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: the test reads arbitrary JSON bodies
  return { status: res.status, body: (await res.json()) as any };
}

const becameLeader = (p: BerthProcess) => p.output().includes("became the leader");

async function submit(url: string): Promise<string> {
  const r = await call(url, "POST", "/jobs", {
    kind: "external",
    pool: "V100",
    gpus: 1,
    team: "vision",
    spec: { image: "registry.example/train:1" },
  });
  expect(r.status).toBe(201);
  return r.body.id as string;
}

const running = async (url: string, id: string) =>
  ["admitted", "running"].includes((await call(url, "GET", `/jobs/${id}`)).body.state);

describe("two replicas on one PostgreSQL", () => {
  it("run one loop, wake it from either replica, and hand it over when the leader dies", async () => {
    const db = await createTestDatabase("postgres");
    const dir = await mkdtemp(join(tmpdir(), "berth-leader-"));
    const env = {
      DATABASE_URL: db.url!,
      BERTH_ADMIN_TOKEN: TOKEN,
      BERTH_DATA_DIR: dir,
      BERTH_LOG_LEVEL: "info",
      BERTH_LOG_FORMAT: "json",
      BERTH_TICK_SECONDS: "3600",
    };
    const a = await startBerthProcess(env);
    await waitFor("the first replica leads", () => becameLeader(a), { timeoutMs: 30_000 });
    const b = await startBerthProcess(env);
    try {
      expect((await call(a.url, "POST", "/teams", { name: "vision" })).status).toBe(201);
      // The follower's own loop is idle: only the leader can admit this job, and only because it was
      // told (its safety tick is an hour away).
      const first = await submit(b.url);
      await waitFor("the leader admits a job submitted to the follower", () => running(b.url, first), {
        timeoutMs: 20_000,
      });
      expect(becameLeader(b)).toBe(false);

      await a.kill("SIGKILL");
      await waitFor("the follower takes over", () => becameLeader(b), { timeoutMs: 20_000 });
      const second = await submit(b.url);
      await waitFor("the new leader admits", () => running(b.url, second), { timeoutMs: 20_000 });

      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ job_id: string; kind: string; n: number }>(
          `SELECT job_id, kind, (payload->>'attempt') AS attempt, count(*)::int AS n FROM decisions
           WHERE job_id IS NOT NULL GROUP BY job_id, kind, payload->>'attempt' HAVING count(*) > 1`,
        );
        expect(rows).toEqual([]);
      } finally {
        await client.end();
      }
    } finally {
      await a.kill("SIGKILL");
      await b.kill("SIGTERM");
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
