// Which replica runs the scheduling loop and the webhook deliveries: the one holding a PostgreSQL
// session advisory lock on a connection of its own. Every replica serves the API and the webhooks.
// The lock goes with the connection: a replica that dies, or loses its connection, frees it at once
// for the next one that asks (within `retryMs`). The same connection LISTENs for changes made on any
// replica, so the leader wakes at once instead of at its next tick.
//
// A Kubernetes Lease was the other option; the advisory lock was chosen because it works wherever
// Berth's PostgreSQL does (on a cluster or not) and dies with the process's connection, with no
// renewal loop whose clock could drift. PGlite is one process's database: it is always the leader.

import type { Kysely } from "kysely";
import { sql } from "kysely";
import pg from "pg";
import type { Logger } from "pino";
import type { Database } from "./tables.ts";

const CHANNEL = "berth_changed";

export interface Leadership {
  /** Whether this replica runs the loop now. */
  isLeader(): boolean;
  /** Called when this replica becomes or stops being the leader. */
  onChange(listener: (leader: boolean) => void): void;
  /** Called on the leader when another replica changed something the loop acts on. */
  onNotify(listener: () => void): void;
  stop(): Promise<void>;
}

/** PGlite: one process, always the leader, nobody else to hear from. */
export function soleLeadership(): Leadership {
  return { isLeader: () => true, onChange: () => {}, onNotify: () => {}, stop: async () => {} };
}

export function postgresLeadership(o: {
  readonly databaseUrl: string;
  readonly key?: string;
  readonly retryMs?: number;
  readonly logger: Logger;
}): Leadership {
  const key = o.key ?? "berth-leader";
  const retryMs = o.retryMs ?? 2_000;
  const changeListeners: ((leader: boolean) => void)[] = [];
  const notifyListeners: (() => void)[] = [];
  let leader = false;
  let stopped = false;
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;

  const setLeader = (value: boolean) => {
    if (leader === value) return;
    leader = value;
    o.logger.info(
      { leader: value },
      value ? "became the leader: this replica runs the loop" : "no longer the leader",
    );
    for (const l of changeListeners) l(value);
  };
  // One pending retry at most: a connection error and the failed query it causes both ask for one,
  // and two attempts at once would each open a connection (one of them could hold the lock unseen).
  const again = () => {
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(attempt, retryMs).unref();
  };
  const drop = (err?: unknown) => {
    if (err) o.logger.warn({ err }, "leader connection lost");
    const c = client;
    client = undefined;
    setLeader(false);
    c?.end().catch(() => {});
  };
  let attempting = false;
  async function attempt(): Promise<void> {
    if (attempting) return; // the running attempt schedules the next one if it fails
    attempting = true;
    try {
      if (!client) {
        const c = new pg.Client({ connectionString: o.databaseUrl, application_name: "berth-leader" });
        c.on("error", (err) => {
          if (client === c) {
            drop(err);
            again();
          }
        });
        c.on("notification", (n) => {
          if (n.channel === CHANNEL && leader) for (const l of notifyListeners) l();
        });
        await c.connect();
        await c.query(`LISTEN ${CHANNEL}`);
        client = c;
      }
      const { rows } = await client.query<{ ok: boolean }>(
        "SELECT pg_try_advisory_lock(hashtext($1)) AS ok",
        [key],
      );
      if (rows[0]?.ok) setLeader(true);
      else again();
    } catch (err) {
      drop(err);
      again();
    } finally {
      attempting = false;
    }
  }
  void attempt();
  return {
    isLeader: () => leader,
    onChange: (l) => changeListeners.push(l),
    onNotify: (l) => notifyListeners.push(l),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      const c = client;
      client = undefined;
      leader = false;
      // Closing the connection releases the lock for the next replica at once.
      await c?.end().catch(() => {});
    },
  };
}

/**
 * Tells the leader (on whichever replica it runs) that something changed. Coalesced: while one
 * notification is in flight, later calls only ask for one more after it.
 */
export function changeNotifier(db: Kysely<Database>, logger: Logger): () => void {
  let inFlight = false;
  let pending = false;
  const send = () => {
    inFlight = true;
    pending = false;
    sql`SELECT pg_notify(${CHANNEL}, '')`
      .execute(db)
      .catch((err: unknown) => logger.debug({ err }, "change notification not sent"))
      .finally(() => {
        inFlight = false;
        if (pending) send();
      });
  };
  return () => {
    if (inFlight) pending = true;
    else send();
  };
}
