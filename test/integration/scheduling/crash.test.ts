import { describe, expect, it } from "vitest";
import { openDatabase } from "../../../src/adapters/db/connect.ts";
import { startBerthProcess } from "../../support/berth-process.ts";
import { checkConsistency } from "../../support/consistency.ts";
import { crashTestStorage } from "../../support/crash-storage.ts";
import { BACKENDS } from "../../support/database.ts";

const TOKEN = "crash-test-admin-token-0123456789";
const HOUR = 3_600_000;

async function post(url: string, path: string, body: unknown) {
  const res = await fetch(`${url}/api/v1${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { id?: string } };
}

describe.each(BACKENDS)("SIGKILL in the middle of a booking burst on %s", (backend) => {
  it("loses no acknowledged booking and leaves nothing half-written", async () => {
    const { dir, db, env, cleanup } = await crashTestStorage(backend, "berth-crash-", TOKEN);
    try {
      let berth = await startBerthProcess(env);
      expect((await post(berth.url, "/teams", { name: "vision" })).status).toBe(201);
      // Next Monday 00:00 UTC onwards: a grid-aligned future the demo pools (V100: 4 × 8) can hold.
      const base = Math.ceil(Date.now() / (24 * HOUR)) * 24 * HOUR + 24 * HOUR;
      const acknowledged: string[] = [];
      let answered = 0;
      const burst = Array.from({ length: 300 }, (_, i) =>
        post(berth.url, "/reservations", {
          pool: "V100",
          nodes: 1,
          gpusPerNode: 1 + (i % 4),
          start: new Date(base + (i % 12) * HOUR).toISOString(),
          end: new Date(base + ((i % 12) + 2) * HOUR).toISOString(),
          priority: ["low", "normal", "high"][i % 3],
          team: "vision",
        }).then(
          (r) => {
            answered++;
            if (r.status === 201 && r.body.id) acknowledged.push(r.body.id);
          },
          () => {},
        ),
      );
      while (answered < 40) await new Promise((r) => setTimeout(r, 5));
      await berth.kill("SIGKILL");
      await Promise.all(burst);
      expect(answered).toBeLessThan(300);
      expect(acknowledged.length).toBeGreaterThan(0);

      berth = await startBerthProcess(env);
      const list = await fetch(`${berth.url}/api/v1/reservations?limit=500`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      }).then((r) => r.json() as Promise<{ items: { id: string }[] }>);
      const stored = new Set(list.items.map((r) => r.id));
      for (const id of acknowledged) expect(stored.has(id)).toBe(true);
      await berth.kill("SIGTERM");

      const handle = db?.handle ?? (await openDatabase({ dataDir: dir }));
      try {
        const { problems } = await checkConsistency(handle.db);
        expect(problems).toEqual([]);
      } finally {
        if (!db) await handle.close();
      }
    } finally {
      await cleanup();
    }
  });
});
