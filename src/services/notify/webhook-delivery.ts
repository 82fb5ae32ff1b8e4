// Delivers due webhook deliveries with exponential backoff (2 s, 4 s, … capped at 1 h; given up
// after MAX_ATTEMPTS). Claims never overlap across replicas (repos/webhook-deliveries.ts says how).
import {
  claimDueDeliveries,
  earliestPendingDelivery,
  recordDeliveryOutcome,
} from "../../adapters/db/repos/webhook-deliveries.ts";
import type { WebhookSender } from "../../adapters/http/webhook-sender.ts";
import type { Millis } from "../../core/types.ts";
import type { ServiceContext } from "../context.ts";
import { openSecret } from "./webhook-secrets.ts";

export const MAX_ATTEMPTS = 10;
const BATCH = 50;

export function backoffMs(attempts: number): number {
  return Math.min(3_600_000, 1000 * 2 ** attempts);
}

export async function deliverWebhooks(
  ctx: ServiceContext,
  send: WebhookSender,
  now: Millis,
): Promise<number> {
  const claimed = await ctx.db
    .transaction()
    .execute((trx) => claimDueDeliveries(trx, now, BATCH, (attempts) => now + backoffMs(attempts)));
  // Sent in event order, one webhook after another, so a receiver sees a team's events in order.
  for (const d of claimed) {
    const body = JSON.stringify({ id: d.event_id, type: d.type, at: d.at.toISOString(), data: d.data });
    let secret: string;
    try {
      secret = openSecret(d.secret, d.webhook_id);
    } catch {
      // Sealed under another key (BERTH_SECRET_KEY changed): retrying cannot help until it is restored.
      secret = "";
    }
    const result = secret
      ? await send({
          url: d.url,
          secret,
          eventId: d.event_id,
          eventType: d.type,
          body,
          nowSeconds: Math.floor(now / 1000),
        })
      : { ok: false, error: "the webhook's secret cannot be opened with this BERTH_SECRET_KEY" };
    const attempts = d.attempts + 1;
    await recordDeliveryOutcome(
      ctx.db,
      { webhookId: d.webhook_id, eventId: d.event_id },
      result.ok
        ? { ok: true, at: now }
        : {
            ok: false,
            error: result.error ?? `HTTP ${result.status}`,
            ...(attempts >= MAX_ATTEMPTS ? { giveUpAt: now } : {}),
          },
    );
    if (!result.ok)
      ctx.logger.warn(
        { webhook: d.webhook_id, event: d.event_id, attempts, status: result.status },
        "webhook delivery failed",
      );
  }
  return claimed.length;
}

export async function nextDeliveryAt(ctx: ServiceContext): Promise<Millis | null> {
  return earliestPendingDelivery(ctx.db);
}
