// Which replica leads when Berth runs without Kubernetes: the one holding a PostgreSQL session
// advisory lock on a connection of its own. The lock goes with the connection: a replica that dies,
// or loses its connection, frees it at once for the next one that asks (within `retryMs`). The same
// connection LISTENs for changes made on any replica, so the leader wakes at once instead of at its
// next tick; on Kubernetes the Lease elects (src/adapters/kube/lease-leadership.ts) and this
// connection only listens (`lockKey: null`).
//
// The advisory lock works wherever Berth's PostgreSQL does and dies with the process's connection,
// with no renewal loop; a Lease is used on a cluster because it is what operators look at there
// (`kubectl get lease`) and outlives no pod. PGlite is one process's database: always the leader.

import type { Kysely } from "kysely";
import { sql } from "kysely";
import pg from "pg";
import type { Logger } from "pino";
import type { Leadership } from "../../services/leadership/leadership.ts";
import type { Database } from "./tables.ts";

const CHANNEL = "berth_changed";

export interface PostgresSession {
  /** Leads while holding the advisory lock; never leads when opened with `lockKey: null`. */
  readonly leadership: Leadership;
  /** Called when any replica changed something the loop acts on. */
  onNotify(listener: () => void): void;
  stop(): Promise<void>;
}

export function postgresSession(o: {
  readonly databaseUrl: string;
  /** The advisory lock's name; null: only listen (another mechanism elects the leader). */
  readonly lockKey: string | null;
  readonly retryMs?: number;
  readonly logger: Logger;
}): PostgresSession {
  const key = o.lockKey;
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
          if (n.channel === CHANNEL) for (const l of notifyListeners) l();
        });
        await c.connect();
        await c.query(`LISTEN ${CHANNEL}`);
        client = c;
      }
      if (key === null) return; // listening only
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
  const stop = async () => {
    stopped = true;
    clearTimeout(timer);
    const c = client;
    client = undefined;
    leader = false;
    // Closing the connection releases the lock for the next replica at once.
    await c?.end().catch(() => {});
  };
  return {
    leadership: { isLeader: () => leader, onChange: (l) => changeListeners.push(l), stop },
    onNotify: (l) => notifyListeners.push(l),
    stop,
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
