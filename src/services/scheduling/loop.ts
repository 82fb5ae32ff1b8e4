// Runs ticks: at the next event the tick asked for, whenever something changed (a booking, a
// submission, a job completion), and on a node-cron safety tick. Never two ticks at once: a wake
// during a tick schedules exactly one more afterwards (periodic work never overlaps).
import cron from "node-cron";
import type { Logger } from "pino";
import type { Millis } from "../../core/types.ts";

export interface LoopOptions {
  readonly tick: (now: Millis) => Promise<{ nextWakeAt: Millis | null }>;
  readonly now: () => Millis;
  readonly tickSeconds: number;
  readonly logger: Logger;
  readonly onTickSeconds?: (s: number) => void;
  /**
   * Least time from one tick's start to a follow-up tick asked for while it ran (default
   * FOLLOW_UP_GAP_MS). Under a stream of bookings every commit wakes the loop; without a gap ticks
   * run back to back, each reading every held reservation, and starve the requests of CPU.
   */
  readonly followUpGapMs?: number;
}

/** A wake during a tick is served at most this long after that tick started (none when idle). */
export const FOLLOW_UP_GAP_MS = 250;

export interface Loop {
  wake(): void;
  /**
   * Makes sure a tick runs by `at` without running one now (a change that matters only from then
   * on, such as a booking that starts later): at or before now it is `wake()`.
   */
  wakeBy(at: Millis): void;
  stop(): Promise<void>;
  /** Resolves when no tick is running (tests, shutdown). */
  idle(): Promise<void>;
}

/** Timers longer than this are re-armed in pieces (setTimeout's limit is ~24.8 days). */
const MAX_TIMER_MS = 3_600_000;

export function startLoop(o: LoopOptions): Loop {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires (+∞ when none). */
  let armedAt = Number.POSITIVE_INFINITY;
  /** The earliest `wakeBy` since the running tick started: its snapshot may predate that change. */
  let asked = Number.POSITIVE_INFINITY;

  const arm = (at: Millis | null) => {
    clearTimeout(timer);
    armedAt = Number.POSITIVE_INFINITY;
    if (at === null || stopped) return;
    armedAt = at;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, at - o.now()));
    // Timers may fire a millisecond before the wall clock reaches `at` (and long waits come in
    // pieces): a tick then would still see the event in the future, so wait the rest instead.
    timer = setTimeout(() => (o.now() < at ? arm(at) : wake()), delay);
    timer.unref();
  };

  const run = async () => {
    do {
      again = false;
      asked = Number.POSITIVE_INFINITY;
      const started = performance.now();
      try {
        const { nextWakeAt } = await o.tick(o.now());
        const at = Math.min(nextWakeAt ?? Number.POSITIVE_INFINITY, asked);
        arm(at === Number.POSITIVE_INFINITY ? null : at);
      } catch (err) {
        o.logger.error({ err }, "tick failed; the next one retries");
      }
      o.onTickSeconds?.((performance.now() - started) / 1000);
      const pause = (o.followUpGapMs ?? FOLLOW_UP_GAP_MS) - (performance.now() - started);
      if (again && !stopped && pause > 0) await new Promise((r) => setTimeout(r, pause));
    } while (again && !stopped);
  };

  const wake = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = run().finally(() => {
      running = null;
    });
  };

  const wakeBy = (at: Millis) => {
    if (stopped) return;
    if (at <= o.now()) return wake();
    if (at < asked) asked = at;
    // A running tick arms its timer when it ends, taking `asked` into account.
    if (!running && at < armedAt) arm(at);
  };

  const every = Math.max(1, Math.round(o.tickSeconds));
  const task = cron.schedule(
    every < 60 ? `*/${every} * * * * *` : `*/${Math.round(every / 60)} * * * *`,
    wake,
    {
      noOverlap: true,
    },
  );
  wake();
  return {
    wake,
    wakeBy,
    async idle() {
      while (running) await running;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await task.stop();
      while (running) await running;
    },
  };
}
