// The event stream never skips an event whose transaction commits after a later one was streamed
// (PostgreSQL: ids are taken at insert, commits happen in any order). PGlite is one session, where
// transactions cannot interleave, so this is a PostgreSQL test.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, type Harness, startHarness } from "../../support/api-harness.ts";

async function insertEvent(c: pg.Client, label: string): Promise<string> {
  const r = await c.query(
    `INSERT INTO events (at, type, team, data) VALUES (now(), 'job.queued', 'vision', $1) RETURNING id::text AS id`,
    [JSON.stringify({ label })],
  );
  return r.rows[0].id;
}

describe("the event stream's cursor on postgres", () => {
  let h: Harness;
  const clients: pg.Client[] = [];
  beforeAll(async () => {
    h = await startHarness("postgres");
    await h.team("vision");
    for (let i = 0; i < 2; i++) {
      const c = new pg.Client({ connectionString: h.db.url });
      await c.connect();
      clients.push(c);
    }
  });
  afterAll(async () => {
    for (const c of clients) await c.end();
    await h.close();
  });

  it("sends an event that commits after a later one, and in an order that never goes back", async () => {
    const [early, late] = clients as [pg.Client, pg.Client];
    const before =
      (
        await h.ctx.db
          .selectFrom("events")
          .select((eb) => eb.fn.max("id").as("m"))
          .executeTakeFirst()
      )?.m ?? "0";
    await early.query("BEGIN");
    const earlyId = await insertEvent(early, "early"); // the lower id, not committed yet
    await late.query("BEGIN");
    const lateId = await insertEvent(late, "late");
    await late.query("COMMIT");
    expect(Number(lateId)).toBeGreaterThan(Number(earlyId));

    const ac = new AbortController();
    const res = await fetch(`${h.url}/api/v1/events?after=${before}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      signal: ac.signal,
    });
    const labels: string[] = [];
    const reader = (async () => {
      const decoder = new TextDecoder();
      let buf = "";
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        for (const m of buf.matchAll(/data: (.*)\n/g)) labels.push(JSON.parse(m[1]!).label);
        buf = buf.slice(buf.lastIndexOf("\n\n") + 2);
        if (labels.length >= 2) return;
      }
    })();
    // The stream is open and has polled: nothing may be sent past the uncommitted early event.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(labels).toEqual([]);
    await early.query("COMMIT");
    h.hub.poke();
    await reader;
    ac.abort();
    expect(labels).toEqual(["early", "late"]);
  });
});
