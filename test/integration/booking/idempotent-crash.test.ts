import { describe, expect, it } from "vitest";
import { apiRequest } from "../../support/api-request.ts";
import { startBerthProcess } from "../../support/berth-process.ts";
import { crashTestStorage } from "../../support/crash-storage.ts";
import { BACKENDS } from "../../support/database.ts";

const TOKEN = "idempotent-crash-admin-token-0123456789";
const HOUR = 3_600_000;

function request(url: string, path: string, init: { method?: string; body?: unknown; key?: string } = {}) {
  return apiRequest(url, TOKEN, path, init);
}

describe.each(BACKENDS)("kill -9 between a booking's commit and its answer on %s", (backend) => {
  it("answers the retry with the original booking and books nothing more", async () => {
    const { env, cleanup } = await crashTestStorage(backend, "berth-idem-crash-", TOKEN);
    let berth = await startBerthProcess(env);
    try {
      expect((await request(berth.url, "/teams", { method: "POST", body: { name: "vision" } })).status).toBe(
        201,
      );
      await berth.kill("SIGTERM");

      // Next day 00:00 UTC onwards: a grid-aligned future the demo pools can hold.
      const start = Math.ceil(Date.now() / (24 * HOUR)) * 24 * HOUR + 24 * HOUR;
      const booking = {
        pool: "V100",
        nodes: 1,
        gpusPerNode: 2,
        start: new Date(start).toISOString(),
        end: new Date(start + 2 * HOUR).toISOString(),
        priority: "normal",
        team: "vision",
        title: "crash between commit and answer",
      };
      const key = "book-once-7f3a";

      berth = await startBerthProcess({ ...env, BERTH_FAULT_KILL_AFTER_BOOKING_COMMIT: "1" });
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        berth.child.once("exit", (_c, s) => resolve(s)),
      );
      const first = await request(berth.url, "/reservations", { method: "POST", body: booking, key }).then(
        (r) => r.status,
        () => "no answer" as const,
      );
      expect(first).toBe("no answer");
      expect(await exited).toBe("SIGKILL");

      berth = await startBerthProcess(env);
      const retry = await request(berth.url, "/reservations", { method: "POST", body: booking, key });
      expect(retry.status).toBe(201);
      expect(retry.headers.get("idempotent-replayed")).toBe("true");
      const answer = (await retry.json()) as { id: string; pool: string; title: string };
      expect(answer).toMatchObject({ pool: "V100", title: booking.title });

      const list = (await (await request(berth.url, "/reservations?limit=100")).json()) as {
        items: { id: string }[];
      };
      expect(list.items.map((r) => r.id)).toEqual([answer.id]);
      // The original answer is the booking as it was committed.
      const stored = (await (await request(berth.url, `/reservations/${answer.id}`)).json()) as Record<
        string,
        unknown
      >;
      expect(answer).toMatchObject({
        id: stored.id,
        start: stored.start,
        end: stored.end,
        state: stored.state,
      });
    } finally {
      await berth.kill("SIGTERM");
      await cleanup();
    }
  });
});
