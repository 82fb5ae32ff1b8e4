// Delivers due webhooks beside the scheduling loop, never inside it: a receiver that is slow or
// never answers must not delay an admission, nor another team's deliveries. Each pass claims the
// due deliveries (repos/webhook-deliveries.ts: claims never overlap across replicas) and sends them
// per receiver: receivers side by side, a receiver's own deliveries one after another in event
// order (after one fails, the rest wait for the next pass rather than arrive out of order). Every
// send has a short timeout and a pass a total one. A breaker per receiver opens after a run of
// failures and leaves the receiver alone for a while, then lets one delivery try it again.
import {
  claimDueDeliveries,
  type DueDelivery,
  deferDeliveries,
  earliestPendingDelivery,
  recordDeliveryOutcome,
} from "../../adapters/db/repos/webhook-deliveries.ts";
import type { WebhookSender } from "../../adapters/http/webhook-sender.ts";
import type { Millis } from "../../core/types.ts";
import type { ServiceContext } from "../context.ts";
import { eventPayload } from "./event-payload.ts";
import { openSecret } from "./webhook-secrets.ts";

export const MAX_ATTEMPTS = 10;
const BATCH = 50;

export function backoffMs(attempts: number): number {
  return Math.min(3_600_000, 1000 * 2 ** attempts);
}

export interface WebhookDispatcherOptions {
  readonly ctx: ServiceContext;
  readonly send: WebhookSender;
  /** One send is abandoned after this long (default 3 s). */
  readonly sendTimeoutMs?: number;
  /** A pass sends nothing new after this long; what is left waits for the next (default 10 s). */
  readonly passTimeoutMs?: number;
  /** Failures in a row that open a receiver's breaker, and how long it stays open (3, 5 min). */
  readonly breaker?: { readonly failures: number; readonly openMs: number };
}

interface Breaker {
  failures: number;
  openUntil: Millis;
}

export class WebhookDispatcher {
  private readonly o: WebhookDispatcherOptions;
  private readonly breakers = new Map<string, Breaker>();

  constructor(o: WebhookDispatcherOptions) {
    this.o = o;
  }

  /** One pass at `now`: how many deliveries it claimed. */
  async deliverDue(now: Millis): Promise<number> {
    const { ctx } = this.o;
    const open = [...this.breakers].filter(([, b]) => b.openUntil > now).map(([id]) => id);
    const claimed = await ctx.db
      .transaction()
      .execute((trx) => claimDueDeliveries(trx, now, BATCH, (n) => now + backoffMs(n), open));
    const byReceiver = new Map<string, DueDelivery[]>();
    for (const d of claimed) {
      const list = byReceiver.get(d.webhook_id) ?? [];
      list.push(d);
      byReceiver.set(d.webhook_id, list);
    }
    const deadline = performance.now() + (this.o.passTimeoutMs ?? 10_000);
    await Promise.all([...byReceiver].map(([id, list]) => this.sendInOrder(id, list, now, deadline)));
    return claimed.length;
  }

  /** When the next pass has something to send (null: nothing pending). */
  async nextDueAt(): Promise<Millis | null> {
    return earliestPendingDelivery(this.o.ctx.db);
  }

  private async sendInOrder(webhook: string, list: DueDelivery[], now: Millis, deadline: number) {
    const { ctx } = this.o;
    for (let i = 0; i < list.length; i++) {
      const d = list[i]!;
      if (performance.now() >= deadline) {
        await this.defer(list.slice(i), now);
        return;
      }
      const body = JSON.stringify({
        id: d.event_id,
        type: d.type,
        at: d.at.toISOString(),
        data: eventPayload(d.type, d.data),
      });
      const secret = openedSecret(d.secret, d.webhook_id);
      const result = secret
        ? await this.o.send({
            url: d.url,
            secret,
            eventId: d.event_id,
            eventType: d.type,
            body,
            nowSeconds: Math.floor(now / 1000),
            timeoutMs: this.o.sendTimeoutMs ?? 3_000,
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
      if (result.ok) {
        this.breakers.delete(webhook);
        continue;
      }
      ctx.logger.warn(
        { webhook, event: d.event_id, attempts, status: result.status, error: result.error },
        "webhook delivery failed",
      );
      this.trip(webhook, now);
      // The rest wait behind the failed one, due when it is tried again.
      await this.defer(list.slice(i + 1), now + backoffMs(attempts));
      return;
    }
  }

  private trip(webhook: string, now: Millis): void {
    const { failures, openMs } = this.o.breaker ?? { failures: 3, openMs: 300_000 };
    const b = this.breakers.get(webhook) ?? { failures: 0, openUntil: 0 };
    b.failures++;
    if (b.failures >= failures) {
      b.openUntil = now + openMs;
      // Half open afterwards: one more failure opens it again at once.
      b.failures = failures - 1;
      this.o.ctx.logger.warn(
        { webhook, until: new Date(b.openUntil).toISOString() },
        "webhook receiver left alone",
      );
    }
    this.breakers.set(webhook, b);
  }

  private async defer(rest: readonly DueDelivery[], at: Millis): Promise<void> {
    await deferDeliveries(
      this.o.ctx.db,
      rest.map((d) => ({ webhookId: d.webhook_id, eventId: d.event_id })),
      at,
    );
  }
}

/** The signing secret, unsealed; empty when it was sealed under another key (retrying cannot help). */
function openedSecret(sealed: string, webhookId: string): string {
  try {
    return openSecret(sealed, webhookId);
  } catch {
    return "";
  }
}
