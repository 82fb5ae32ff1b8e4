// The one place that decides what runs only on the leader replica. Every replica serves the API and
// the admission webhooks; the workers added here (the scheduling loop, the webhook deliveries, the
// cluster watches, retention, and anything else that acts on the shared state) start when this
// replica becomes the leader and stop, in reverse order, when it stops being one. How the leader is
// elected is an adapter's business (a Kubernetes Lease, a PostgreSQL advisory lock, or the one
// process of an embedded database): docs/architecture.md, "One leader".
import type { Logger } from "pino";

export interface Leadership {
  /** Whether this replica is the leader now. */
  isLeader(): boolean;
  /** Called when this replica becomes or stops being the leader. */
  onChange(listener: (leader: boolean) => void): void;
  /** Gives the leadership up (at once, so another replica can take it) and stops trying. */
  stop(): Promise<void>;
}

/** One process with its own database: always the leader. */
export function soleLeadership(): Leadership {
  return { isLeader: () => true, onChange: () => {}, stop: async () => {} };
}

/** Something only the leader runs. `start` may fail: the gate stops what started and retries. */
export interface LeaderWorker {
  readonly name: string;
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
}

export interface LeaderWorkers {
  /** Registers a worker; all are registered before `start`. */
  add(worker: LeaderWorker): void;
  /** Follows the leadership from now on; resolves once the first transition (if any) is done. */
  start(): Promise<void>;
  /** Whether the workers run now (this replica leads and every worker started). */
  running(): boolean;
  /** Stops the workers (if running) and stops following the leadership. */
  stop(): Promise<void>;
}

export function leaderWorkers(o: {
  readonly leadership: Leadership;
  readonly logger: Logger;
  /** Wait before trying again after a worker failed to start (default 5 s). */
  readonly retryMs?: number;
}): LeaderWorkers {
  const workers: LeaderWorker[] = [];
  const started: LeaderWorker[] = [];
  let following = false;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  // Transitions run one after another: a start never overlaps the stop that follows it.
  let chain: Promise<void> = Promise.resolve();

  const stopAll = async () => {
    while (started.length > 0) {
      const w = started.pop() as LeaderWorker;
      try {
        await w.stop();
      } catch (err) {
        o.logger.error({ err, worker: w.name }, "stopping a leader-only worker failed");
      }
    }
  };
  const startAll = async () => {
    for (const w of workers) {
      // Leadership lost meanwhile: the transition queued behind this one stops what started.
      if (!o.leadership.isLeader() || closed) return;
      try {
        await w.start();
        started.push(w);
      } catch (err) {
        o.logger.error({ err, worker: w.name }, "a leader-only worker failed to start; retrying");
        await stopAll();
        clearTimeout(retry);
        retry = setTimeout(follow, o.retryMs ?? 5_000);
        retry.unref();
        return;
      }
    }
    o.logger.info({ workers: workers.map((w) => w.name) }, "leader-only workers started");
  };
  const follow = () => {
    chain = chain.then(async () => {
      const want = following && !closed && o.leadership.isLeader();
      if (want && started.length < workers.length) {
        await stopAll(); // a start cut short by a lost leadership: begin again from the first
        await startAll();
      } else if (!want && started.length > 0) {
        await stopAll();
        o.logger.info("leader-only workers stopped");
      }
    });
    return chain;
  };
  o.leadership.onChange(() => void follow());
  return {
    add: (w) => workers.push(w),
    running: () => started.length === workers.length && started.length > 0,
    start() {
      following = true;
      return follow();
    },
    async stop() {
      closed = true;
      clearTimeout(retry);
      await follow();
    },
  };
}
