// Two replicas of `berth serve` on one PostgreSQL, asked the same keyed POST at once: each process
// serialises its own retries of a key, but nothing in memory spans the two. The answer row commits
// with the write (src/services/idempotent-answers.ts), so the second write to reach it finds the
// first's row (a replay) or collides with it (a 409 asking to retry) and rolls back: one job per
// key, whoever answers.
import { describe, expect, it } from "vitest";
import { apiRequest } from "../../support/api-request.ts";
import { startBerthProcess } from "../../support/berth-process.ts";
import { crashTestStorage } from "../../support/crash-storage.ts";

const TOKEN = "idempotent-replicas-admin-token-0123456789";
const ROUNDS = 8;

describe("one Idempotency-Key sent to two replicas at once", () => {
  it("writes one job per key and answers both with it or a 409 to retry", async () => {
    const { env, cleanup } = await crashTestStorage("postgres", "berth-idem-replicas-", TOKEN);
    const replicas = [await startBerthProcess(env), await startBerthProcess(env)];
    try {
      const [a, b] = replicas.map((r) => r.url) as [string, string];
      expect(
        (await apiRequest(a, TOKEN, "/teams", { method: "POST", body: { name: "vision" } })).status,
      ).toBe(201);
      const job = { kind: "external", pool: "T4", gpus: 1, team: "vision", spec: { image: "busybox:1.36" } };
      for (let i = 0; i < ROUNDS; i++) {
        const key = `both-replicas-${i}`;
        const answers = await Promise.all(
          [a, b].map(async (url) => {
            const r = await apiRequest(url, TOKEN, "/jobs", { method: "POST", body: job, key });
            return { status: r.status, body: (await r.json()) as { id?: string; type?: string } };
          }),
        );
        const ok = answers.filter((x) => x.status === 201);
        expect(ok.length, JSON.stringify(answers)).toBeGreaterThanOrEqual(1);
        // Both 201s (one replayed) name the same job; the other answer, if any, is a conflict.
        expect(new Set(ok.map((x) => x.body.id)).size).toBe(1);
        for (const x of answers.filter((y) => y.status !== 201)) {
          expect(x).toMatchObject({ status: 409, body: { type: "https://berth.dev/problems/conflict" } });
        }
        // A retry on either replica now replays that one job.
        const retry = await apiRequest(b, TOKEN, "/jobs", { method: "POST", body: job, key });
        expect(retry.status).toBe(201);
        expect(((await retry.json()) as { id: string }).id).toBe(ok[0]!.body.id);
      }
      const jobs = await apiRequest(a, TOKEN, "/jobs?team=vision&limit=500");
      expect(((await jobs.json()) as { items: unknown[] }).items).toHaveLength(ROUNDS);
    } finally {
      for (const r of replicas) await r.kill("SIGTERM");
      await cleanup();
    }
  });
});
