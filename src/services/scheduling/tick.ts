// One tick of the scheduling loop, in numbered steps (docs/architecture.md, "A scheduling tick"), each persisted before anything
// outside the database is told:
//   1. the scheduling cycle (services/scheduling-cycle.ts): snapshot, the core's plan(), intents
//      persisted, executor told, confirmed
//   2. no-show release: an active reservation none of whose jobs started within the window
// and the time of the next known event, so the loop wakes then instead of waiting for the cron.
// Webhooks are not the tick's: they are delivered beside it (notify/webhook-dispatcher.ts), so a
// receiver that never answers cannot hold up an admission.
import { appendAudit } from "../../adapters/db/repos/audit.ts";
import { appendEvent } from "../../adapters/db/repos/events.ts";
import {
  earliestBookingStartAfter,
  endReservation,
  listNoShowReservations,
} from "../../adapters/db/repos/reservations.ts";
import { gpuHoursAhead } from "../../core/index.ts";
import type { Millis } from "../../core/types.ts";
import type { ServiceContext } from "../context.ts";
import type { Executor } from "../ports.ts";
import type { JobKindSettings } from "./job-kinds/job-kind.ts";
import { type CycleDeps, runCycle } from "./scheduling-cycle.ts";

export interface TickDeps {
  readonly ctx: ServiceContext;
  /** Seconds after start with no job started before an active reservation is released; 0 = never. */
  readonly noShowSeconds: number;
  readonly executor: Executor;
  readonly onDecision?: (kind: string) => void;
  readonly kinds?: JobKindSettings;
  readonly onStep?: CycleDeps["onStep"];
  readonly onUsage?: CycleDeps["onUsage"];
  readonly applyConcurrency?: CycleDeps["applyConcurrency"];
  readonly foreignGpus?: CycleDeps["foreignGpus"];
}

export interface TickResult {
  readonly decisions: number;
  readonly released: number;
  readonly nextWakeAt: Millis | null;
}

export async function runTick(deps: TickDeps, now: Millis): Promise<TickResult> {
  const { ctx } = deps;

  // 1. The scheduling cycle: reservation starts and ends, node loss, admissions, signals.
  const cycle = await runCycle(
    {
      ctx,
      executor: deps.executor,
      ...(deps.onDecision ? { onDecision: deps.onDecision } : {}),
      ...(deps.kinds ? { kinds: deps.kinds } : {}),
      ...(deps.onStep ? { onStep: deps.onStep } : {}),
      ...(deps.onUsage ? { onUsage: deps.onUsage } : {}),
      ...(deps.applyConcurrency ? { applyConcurrency: deps.applyConcurrency } : {}),
      ...(deps.foreignGpus ? { foreignGpus: deps.foreignGpus } : {}),
    },
    now,
  );

  // 2. No-show release: started long enough ago, and no job of it has ever been admitted.
  let released = 0;
  if (deps.noShowSeconds > 0) {
    const idle = await listNoShowReservations(ctx.db, now - deps.noShowSeconds * 1000, now);
    for (const r of idle) {
      await ctx.db.transaction().execute(async (trx) => {
        await endReservation(trx, r.id, "released", now, { reason: "no-show" });
        const freed = gpuHoursAhead(
          { nodes: r.nodes, gpusPerNode: r.gpus_per_node },
          { start: r.start_at.getTime(), end: r.end_at.getTime() },
          now,
        );
        await appendAudit(trx, {
          at: now,
          actor: "berth",
          action: "release",
          team: r.team,
          reservationId: r.id,
          reason: `no job started within ${deps.noShowSeconds} s of the start`,
          detail: { freedGpuHours: freed },
        });
        await appendEvent(trx, now, "reservation.ended", r.team, {
          reservation: r.id,
          team: r.team,
          reason: "no-show",
        });
      });
      released++;
    }
  }
  if (released > 0) {
    ctx.changed();
  }

  const wake = await nextWakeAt(deps, now);
  const candidates = [wake, cycle.nextWakeAt].filter((t): t is Millis => t !== null);
  return {
    decisions: cycle.decisions,
    released,
    nextWakeAt: candidates.length > 0 ? Math.min(...candidates) : null,
  };
}

async function nextWakeAt(deps: TickDeps, now: Millis): Promise<Millis | null> {
  const candidates: Millis[] = [];
  if (deps.noShowSeconds > 0) {
    const start = await earliestBookingStartAfter(deps.ctx.db, now - deps.noShowSeconds * 1000);
    if (start !== null) candidates.push(start + deps.noShowSeconds * 1000);
  }
  return candidates.length > 0 ? Math.min(...candidates) : null;
}
