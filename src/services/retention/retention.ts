// Retention: the outbox, the loop's decisions, webhook deliveries, Idempotency-Key answers and
// stream tickets would otherwise grow for ever. Each is trimmed past its age, in batches (short
// statements, no long lock), never taking what a consumer still needs: a pending webhook
// delivery keeps its event, an intent keeps its decision, an unexpired ticket stays. The audit log
// is never trimmed (it is append-only by design: migrations/20261204T160000Z-audit-log-guard.sql).
import { deleteSettledDecisionsBefore } from "../../adapters/db/repos/decisions.ts";
import { deleteEventsBefore } from "../../adapters/db/repos/events.ts";
import { deleteAnswersBefore } from "../../adapters/db/repos/idempotency-keys.ts";
import { deleteExpiredTickets } from "../../adapters/db/repos/stream-tickets.ts";
import { deleteSettledDeliveriesBefore } from "../../adapters/db/repos/webhook-deliveries.ts";
import type { Millis } from "../../core/types.ts";
import type { ServiceContext } from "../context.ts";

export interface RetentionAges {
  readonly eventsSeconds: number;
  readonly decisionsSeconds: number;
  readonly deliveriesSeconds: number;
  readonly idempotencySeconds: number;
}

export const DEFAULT_RETENTION: RetentionAges = {
  eventsSeconds: 30 * 86_400,
  decisionsSeconds: 30 * 86_400,
  deliveriesSeconds: 30 * 86_400,
  idempotencySeconds: 86_400,
};

const BATCH = 5_000;

async function drain(step: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await step();
    total += n;
    if (n < BATCH) return total;
  }
}

export async function runRetention(ctx: ServiceContext, ages: RetentionAges, now: Millis) {
  const before = (seconds: number) => new Date(now - seconds * 1000);
  // Deliveries first: a settled delivery no longer holds its event back.
  const deliveries = await drain(() =>
    deleteSettledDeliveriesBefore(ctx.db, before(ages.deliveriesSeconds), BATCH),
  );
  const events = await drain(() => deleteEventsBefore(ctx.db, before(ages.eventsSeconds), BATCH));
  const decisions = await drain(() =>
    deleteSettledDecisionsBefore(ctx.db, before(ages.decisionsSeconds), BATCH),
  );
  const idempotencyKeys = await deleteAnswersBefore(ctx.db, before(ages.idempotencySeconds));
  const streamTickets = await deleteExpiredTickets(ctx.db, new Date(now));
  return { deliveries, events, decisions, idempotencyKeys, streamTickets };
}

/**
 * Runs retention every `everyMs` on its own timer, never two at once (a slow run makes the next
 * one skip, not overlap); tests call runRetention with a fixed clock instead.
 */
export function startRetention(ctx: ServiceContext, ages: RetentionAges, everyMs: number) {
  let running: Promise<void> | undefined;
  const run = () => {
    if (running) return;
    running = runRetention(ctx, ages, ctx.clock.now())
      .then((n) => {
        if (Object.values(n).some((x) => x > 0)) ctx.logger.info(n, "retention: old rows deleted");
      })
      .catch((err) => ctx.logger.warn({ err }, "retention failed"))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(run, everyMs);
  timer.unref();
  run();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
