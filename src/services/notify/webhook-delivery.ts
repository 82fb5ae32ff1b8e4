// Delivers due webhook deliveries with exponential backoff (2 s, 4 s, … capped at 1 h; given up
// after MAX_ATTEMPTS). A claim is one statement (FOR UPDATE SKIP LOCKED) so two replicas never send
// the same delivery at once; an advisory lock was rejected because it would serialise all sends.
import { sql } from "kysely";
import type { WebhookSender } from "../../adapters/http/webhook-sender.ts";
import type { Millis } from "../../core/types.ts";
import type { ServiceContext } from "../context.ts";

export const MAX_ATTEMPTS = 10;
const BATCH = 50;

export function backoffMs(attempts: number): number {
  return Math.min(3_600_000, 1000 * 2 ** attempts);
}

interface Due {
  webhook_id: string;
  event_id: string;
  attempts: number;
  url: string;
  secret: string;
  type: string;
  at: Date;
  data: Record<string, unknown>;
}

export async function deliverWebhooks(
  ctx: ServiceContext,
  send: WebhookSender,
  now: Millis,
): Promise<number> {
  const claimed = await ctx.db.transaction().execute(async (trx) => {
    const rows = await sql<Due>`
      SELECT d.webhook_id, d.event_id, d.attempts, w.url, w.secret, e.type, e.at, e.data
      FROM webhook_deliveries d
      JOIN webhooks w ON w.id = d.webhook_id
      JOIN events e ON e.id = d.event_id
      WHERE d.delivered_at IS NULL AND d.failed_at IS NULL AND d.next_attempt_at <= ${new Date(now)}
      ORDER BY d.event_id
      LIMIT ${BATCH}
      FOR UPDATE OF d SKIP LOCKED`.execute(trx);
    // Push the claimed ones forward so a crash mid-send retries them later rather than never.
    for (const r of rows.rows) {
      await trx
        .updateTable("webhook_deliveries")
        .set({ next_attempt_at: new Date(now + backoffMs(r.attempts + 1)), attempts: r.attempts + 1 })
        .where("webhook_id", "=", r.webhook_id)
        .where("event_id", "=", r.event_id)
        .execute();
    }
    return rows.rows;
  });
  // Sent in event order, one webhook after another, so a receiver sees a team's events in order.
  for (const d of claimed) {
    const body = JSON.stringify({ id: d.event_id, type: d.type, at: d.at.toISOString(), data: d.data });
    const result = await send({
      url: d.url,
      secret: d.secret,
      eventId: d.event_id,
      eventType: d.type,
      body,
      nowSeconds: Math.floor(now / 1000),
    });
    const attempts = d.attempts + 1;
    await ctx.db
      .updateTable("webhook_deliveries")
      .set(
        result.ok
          ? { delivered_at: new Date(now), last_error: null }
          : {
              last_error: result.error ?? `HTTP ${result.status}`,
              ...(attempts >= MAX_ATTEMPTS ? { failed_at: new Date(now) } : {}),
            },
      )
      .where("webhook_id", "=", d.webhook_id)
      .where("event_id", "=", d.event_id)
      .execute();
    if (!result.ok)
      ctx.logger.warn(
        { webhook: d.webhook_id, event: d.event_id, attempts, status: result.status },
        "webhook delivery failed",
      );
  }
  return claimed.length;
}

export async function nextDeliveryAt(ctx: ServiceContext): Promise<Millis | null> {
  const row = await ctx.db
    .selectFrom("webhook_deliveries")
    .select((eb) => eb.fn.min("next_attempt_at").as("t"))
    .where("delivered_at", "is", null)
    .where("failed_at", "is", null)
    .executeTakeFirst();
  return row?.t ? new Date(row.t as Date).getTime() : null;
}
