// Retention trims the tables that grow with use, past their ages, and keeps what a consumer still
// needs: events a pending webhook delivery waits for, intents, unexpired tickets, recent rows.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_RETENTION, runRetention } from "../../../src/services/retention/retention.ts";
import { type Harness, startHarness, T0 } from "../../support/api-harness.ts";
import { BACKENDS } from "../../support/database.ts";

const DAY = 86_400_000;

describe.each(BACKENDS)("retention on %s", (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(backend);
    await h.team("vision");
  });
  afterAll(async () => h.close());

  it("deletes what is past its age and keeps what is still needed", async () => {
    const old = new Date(T0 - 40 * DAY);
    const recent = new Date(T0 - DAY);
    const db = h.ctx.db;
    await sql`INSERT INTO webhooks (id, team, url, secret, events) VALUES ('wh-r', 'vision', 'https://e.example.com', 'x', '{job.queued}')`.execute(
      db,
    );
    const ev = async (label: string, at: Date) =>
      (
        await sql<{
          id: string;
        }>`INSERT INTO events (at, type, team, data) VALUES (${at}, 'job.queued', 'vision', ${JSON.stringify({ label })}::jsonb) RETURNING id::text AS id`.execute(
          db,
        )
      ).rows[0]!.id;
    const oldPlain = await ev("old-plain", old);
    const oldPending = await ev("old-pending", old);
    const oldDelivered = await ev("old-delivered", old);
    const fresh = await ev("fresh", recent);
    await sql`INSERT INTO webhook_deliveries (webhook_id, event_id, next_attempt_at) VALUES ('wh-r', ${oldPending}, ${old})`.execute(
      db,
    );
    await sql`INSERT INTO webhook_deliveries (webhook_id, event_id, next_attempt_at, delivered_at) VALUES ('wh-r', ${oldDelivered}, ${old}, ${old})`.execute(
      db,
    );
    await sql`INSERT INTO decisions (at, kind, payload, state) VALUES (${old}, 'launch', '{}', 'applied'), (${old}, 'launch', '{}', 'intent'), (${recent}, 'launch', '{}', 'applied')`.execute(
      db,
    );
    await sql`INSERT INTO idempotency_keys (token_id, key, request_hash, status, body, created_at) VALUES ('t', 'old', 'h', 201, '{}', ${new Date(T0 - 2 * DAY)}), ('t', 'new', 'h', 201, '{}', ${new Date(T0 - 60_000)})`.execute(
      db,
    );
    await sql`INSERT INTO stream_tickets (ticket_hash, token_id, expires_at) VALUES ('gone', 't', ${new Date(T0 - 1000)}), ('live', 't', ${new Date(T0 + 30_000)})`.execute(
      db,
    );

    const n = await runRetention(h.ctx, DEFAULT_RETENTION, T0);
    expect(n).toMatchObject({ deliveries: 1, decisions: 1, idempotencyKeys: 1, streamTickets: 1 });

    const events = (
      await sql<{
        id: string;
      }>`SELECT id::text AS id FROM events WHERE id IN (${oldPlain}, ${oldPending}, ${oldDelivered}, ${fresh}) ORDER BY id`.execute(
        db,
      )
    ).rows.map((r) => r.id);
    expect(events).toEqual([oldPending, fresh]);
    const decisions = (
      await sql<{ state: string }>`SELECT state FROM decisions ORDER BY id`.execute(db)
    ).rows.map((r) => r.state);
    expect(decisions).toEqual(["intent", "applied"]);
    const keys = (await sql<{ key: string }>`SELECT key FROM idempotency_keys`.execute(db)).rows.map(
      (r) => r.key,
    );
    expect(keys).toEqual(["new"]);
    const tickets = (
      await sql<{ ticket_hash: string }>`SELECT ticket_hash FROM stream_tickets`.execute(db)
    ).rows.map((r) => r.ticket_hash);
    expect(tickets).toEqual(["live"]);
    // The audit log is never trimmed.
    expect(
      Number((await sql<{ n: string }>`SELECT count(*) AS n FROM audit_log`.execute(db)).rows[0]!.n),
    ).toBeGreaterThan(0);
  });
});
