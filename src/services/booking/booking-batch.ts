// Group commit of bookings, per pool. Bookings that arrive while a pool's previous batch is being
// decided or written wait and then go together in the next one: one round trip for the locks and
// what must be read under them, one statement for the whole batch's write, so a burst costs a
// handful of round trips instead of a handful per booking (on two cores the round trips, not the
// decisions, were the cost: BENCHMARKS.md). One booking alone is a batch of one, with no added wait.
//
// A batch holds the pool's advisory lock (and the lock of every team whose quota can refuse, taken
// first, as everywhere), takes the pool's holds from memory while the pool's hold version says
// they are current (services/pool-holds-memory.ts; else it reads them), reads those teams' bookings
// in their quota weeks, and asks the core about each booking in arrival order, each seeing the ones
// accepted before it. It writes the plain acceptances; a refusal is decided again on the wider
// snapshot (its suggestions look further ahead). Whatever needs more goes through the one-at-a-time
// path (services/booking.ts) right after, in order: a displacement, a recurring booking, a team
// whose quota changed under the batch. So both paths give the same answers; the exclusion
// constraint on slot rows still has the last word, and a batch that fails as a whole (a clash the
// lock did not prevent, a lost connection) hands each booking to that path.
import type { Kysely } from "kysely";
import { insertPlainBookings, type PlainBookingRecord } from "../../adapters/db/repos/plain-bookings.ts";
import {
  loadQuotaRows,
  lockBatch,
  newReservationRow,
  unlockBatch,
} from "../../adapters/db/repos/reservations.ts";
import type { Database, TeamRow } from "../../adapters/db/tables.ts";
import { newId } from "../../basics/ids.ts";
import { decideBooking, isoWeekStart, WEEK_MS } from "../../core/index.ts";
import type { Millis, Placement, Reservation } from "../../core/types.ts";
import { teamQuota } from "../access/teams.ts";
import { isAdmin, type Principal, type ServiceContext } from "../context.ts";
import { cachedInventory } from "../inventory/inventory-cache.ts";
import { reservationView } from "../views.ts";
import {
  asQuotaSnapshot,
  type BookingInput,
  type BookingOutcome,
  book,
  bookAuditDetail,
  createdEventData,
  distinctReservations,
  quotaMayRefuse,
  refusal,
  resolveTeam,
  unknownTeam,
} from "./booking.ts";
import { currentHoldsOf, forget, holdsUnderLock, remember } from "./pool-holds-memory.ts";
import { cachedTeamRows } from "./team-rows-cache.ts";
import { poolLockKey, teamLockKey } from "./transactions.ts";

/** Most bookings one batch carries; a longer queue is served in several. */
export const MAX_BATCH = 256;

interface Pending {
  readonly by: Principal;
  readonly team: string;
  readonly input: BookingInput;
  readonly resolve: (out: BookingOutcome) => void;
  readonly reject: (err: unknown) => void;
}

interface PoolQueue {
  pending: Pending[];
  draining: boolean;
}

const queues = new WeakMap<Kysely<Database>, Map<string, PoolQueue>>();

/** Books `input` (same answers and errors as `book`), in one batch with concurrent bookings of its pool. */
export function bookBatched(
  ctx: ServiceContext,
  by: Principal,
  input: BookingInput,
): Promise<BookingOutcome> {
  // Recurring bookings decide all occurrences together: the one-at-a-time path does that.
  if (input.repeat) return book(ctx, by, input);
  const team = resolveTeam(by, input.team);
  let perDb = queues.get(ctx.db);
  if (!perDb) {
    perDb = new Map();
    queues.set(ctx.db, perDb);
  }
  let queue = perDb.get(input.pool);
  if (!queue) {
    queue = { pending: [], draining: false };
    perDb.set(input.pool, queue);
  }
  const q = queue;
  return new Promise<BookingOutcome>((resolve, reject) => {
    q.pending.push({ by, team, input, resolve, reject });
    if (!q.draining) {
      q.draining = true;
      void drain(ctx, input.pool, q).finally(() => {
        // Drop the idle queue: pool names come from requests, and unknown ones must not pile up.
        if (!q.draining && perDb.get(input.pool) === q) perDb.delete(input.pool);
      });
    }
  });
}

/**
 * Runs the pool's batches, two at a time at most: once a batch has decided (and holds the pool's
 * lock while it writes), the next one is formed from what arrived meanwhile and takes a
 * connection of its own; it waits for the lock in the database, then for the first batch's holds to be
 * remembered, and decides while nothing else can write. So the server decides one batch while the
 * database commits the one before, instead of each waiting for the other.
 */
async function drain(ctx: ServiceContext, pool: string, q: PoolQueue): Promise<void> {
  let previous: Promise<void> = Promise.resolve();
  for (;;) {
    while (q.pending.length > 0) {
      const batch = q.pending.splice(0, MAX_BATCH);
      const decided = signal();
      const committed = signal();
      void runBatch(ctx, pool, batch, { after: previous, decided: decided.fire, committed: committed.fire })
        .catch((err: unknown) => {
          // runBatch settles every booking itself; this is a bug's last resort, not a path.
          for (const p of batch) p.reject(err);
        })
        .finally(() => {
          decided.fire();
          committed.fire();
        });
      previous = committed.done;
      await decided.done;
    }
    await previous;
    if (q.pending.length === 0) break;
  }
  q.draining = false;
}

function signal(): { done: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const done = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { done, fire };
}

/** Where a batch stands among its pool's batches (see `drain`). */
interface Sequence {
  /** Settles once the previous batch has committed (or failed) and its holds are remembered. */
  readonly after: Promise<void>;
  /** This batch has decided: the next may start. */
  readonly decided: () => void;
  /** This batch has committed or failed, and remembered or forgotten the pool's holds. */
  readonly committed: () => void;
}

/**
 * Runs `work` on one connection holding the batch's advisory locks (session level: the batch's
 * only write is one statement, atomic by itself, so no transaction is needed around it), and
 * releases them whatever happens. No retry: the next batch may already wait for the pool's lock
 * (see `drain`); a clash (23P01) sends this batch's bookings down the one-at-a-time path instead.
 */
async function underBatchLocks<T>(
  ctx: ServiceContext,
  keys: readonly string[],
  pool: string,
  teamNames: readonly string[],
  work: (db: Kysely<Database>, current: { version: string; teams: TeamRow[] }) => Promise<T>,
): Promise<T> {
  return ctx.db.connection().execute(async (db) => {
    try {
      return await work(db, await lockBatch(db, keys, pool, teamNames));
    } finally {
      // Not awaited: the connection's next query queues behind it, and the next batch, already
      // waiting in the database, proceeds as soon as it is done. A dropped connection unlocks too.
      unlockBatch(db, keys).catch((err: unknown) =>
        ctx.logger.warn({ err }, "releasing a batch's locks failed"),
      );
    }
  });
}

/** What the batch decided for each booking. */
type Verdict =
  | { readonly kind: "accepted"; readonly reservation: Reservation }
  | { readonly kind: "alone" }
  | { readonly kind: "error"; readonly error: unknown };

async function runBatch(
  ctx: ServiceContext,
  pool: string,
  batch: readonly Pending[],
  sequence: Sequence,
): Promise<void> {
  let verdicts: Verdict[];
  let now: Millis;
  let deliveries = 0;
  let failed = false;
  let seen: Awaited<ReturnType<typeof holdsUnderLock>> | undefined;
  let knownPool = false;
  try {
    const inventory = await cachedInventory(ctx);
    knownPool = inventory.pools.some((p) => p.name === pool);
    // Which teams' quotas can refuse (from rows up to a second old): their locks are taken before
    // the pool's (the order every writer uses), and their rows are read again under the lock.
    const teamNames = [...new Set(batch.map((p) => p.team))].sort();
    const before = await cachedTeamRows(ctx, teamNames);
    const lockedTeams = new Set(
      before
        .filter((row) =>
          batch.some(
            (p) => p.team === row.name && !isAdmin(p.by) && quotaMayRefuse(teamQuota(row), p.input.priority),
          ),
        )
        .map((row) => row.name),
    );
    const locks = [...[...lockedTeams].sort().map(teamLockKey), poolLockKey(pool)];
    ({ verdicts, now, deliveries } = await underBatchLocks(
      ctx,
      locks,
      pool,
      teamNames,
      async (trx, current) => {
        const now = ctx.clock.now();
        // The previous batch released the lock after its write; its holds must be in memory first.
        await sequence.after;
        const teams = new Map<string, TeamRow>(current.teams.map((r) => [r.name, r]));
        const quotaTeams = quotaWeeks(batch, now, (team) => lockedTeams.has(team));
        // The pool's holds from memory when its version says nothing changed since, else read
        // whole; the quota rows of locked teams from the table.
        seen = await holdsUnderLock(ctx, trx, pool, now, current.version);
        const fromMemory = seen.index;
        const rows = quotaTeams.length > 0 ? await loadQuotaRows(trx, now, quotaTeams) : [];
        const held = asQuotaSnapshot(rows, now);
        // The quota rows and the batch's acceptances, then the pool's holds, each id once.
        const relevant = (r: { team: string; pool: string; start: Millis; end: Millis }, quota: boolean) =>
          distinctReservations(relevantTo(held, r, quota), fromMemory.overlapping(r.start, r.end, now));
        const requests = batch.map((p) => ({
          id: newId("r"),
          team: p.team,
          pool,
          nodes: p.input.nodes,
          gpusPerNode: p.input.gpusPerNode,
          start: p.input.start,
          end: p.input.end,
          priority: p.input.priority,
        }));
        const decide = (i: number, reservations: Reservation[]) =>
          decideBooking({
            inventory,
            reservations,
            request: requests[i]!,
            now,
            rules: ctx.rules,
            quota: teamQuota(teams.get(batch[i]!.team)!),
            bypassQuota: isAdmin(batch[i]!.by),
          });
        const accept = (i: number, placement: Placement): Verdict => {
          const booked: Reservation = { ...requests[i]!, bookedAt: now, state: "confirmed", placement };
          held.push(booked);
          accepted.push(booked);
          return { kind: "accepted", reservation: booked };
        };
        const accepted: Reservation[] = [];
        const refusedHere: number[] = [];
        const verdicts: Verdict[] = batch.map((p, i) => {
          const row = teams.get(p.team);
          if (!row) return { kind: "error", error: unknownTeam(p.team) };
          // A quota that can refuse but whose team was not locked changed under the batch.
          if (!isAdmin(p.by) && quotaMayRefuse(teamQuota(row), p.input.priority) && !lockedTeams.has(p.team))
            return { kind: "alone" };
          const decision = decide(i, relevant(requests[i]!, lockedTeams.has(p.team)));
          if (decision.ok)
            return decision.displaced.length === 0 ? accept(i, decision.placement) : { kind: "alone" };
          // Invalid requests are invalid on any snapshot; other refusals are decided again on the
          // wider one, whose suggestions look further ahead.
          if (decision.code === "invalid") return { kind: "error", error: refusal(decision) };
          refusedHere.push(i);
          return { kind: "alone" };
        });
        if (refusedHere.length > 0) {
          // Decided again on the wider snapshot its answer needs: the pool's holds from the
          // booking's start on (the "later" suggestion; exact, under the lock) and the other pools'
          // holds overlapping its window (their suggestions; as of now, from memory while their
          // versions say it is current). The quota rows are those of `held`: an unlocked team's
          // quota cannot refuse.
          const others = await currentHoldsOf(
            ctx,
            trx,
            inventory.pools.map((p) => p.name).filter((name) => name !== pool),
            now,
          );
          for (const i of refusedHere) {
            const r = requests[i]!;
            const decision = decide(
              i,
              distinctReservations(
                relevantTo(held, r, lockedTeams.has(r.team)),
                accepted,
                fromMemory.overlapping(Math.max(now, r.start), Number.POSITIVE_INFINITY, now),
                ...[...others.values()].map(({ index }) => index.overlapping(r.start, r.end, now)),
              ),
            );
            // An acceptance here would be a displacement (plain ones were accepted above): alone.
            if (!decision.ok) verdicts[i] = { kind: "error", error: refusal(decision) };
          }
        }
        const records: PlainBookingRecord[] = [];
        verdicts.forEach((v, i) => {
          if (v.kind !== "accepted") return;
          records.push({
            reservation: v.reservation,
            title: batch[i]!.input.title ?? "",
            bookedBy: batch[i]!.by.name,
            audit: bookAuditDetail(v.reservation),
            event: createdEventData(v.reservation),
          });
        });
        sequence.decided();
        const { deliveries } =
          records.length > 0 ? await insertPlainBookings(trx, now, records) : { deliveries: 0 };
        return { verdicts, now, deliveries };
      },
    ));
  } catch (err) {
    failed = true;
    ctx.logger.debug({ err, bookings: batch.length }, "booking batch failed: booking one at a time");
    verdicts = batch.map(() => ({ kind: "alone" }));
    now = ctx.clock.now();
  }

  const accepted = verdicts.flatMap((v) => (v.kind === "accepted" ? [v.reservation] : []));
  // Pool names come from requests: only a known pool's holds are kept.
  if (seen && !failed && knownPool) remember(ctx, pool, seen, accepted);
  else forget(ctx, pool);
  sequence.committed();
  if (accepted.length > 0) {
    // Plain acceptances change nothing the loop decides before the earliest of them starts
    // (unless webhooks now wait for delivery).
    const wakeAt = Math.min(...accepted.map((r) => r.start));
    ctx.changed(deliveries > 0 ? undefined : { wakeAt });
  }
  for (const [i, v] of verdicts.entries()) {
    const p = batch[i]!;
    if (v.kind === "accepted") p.resolve(outcome(v.reservation, p, now));
    else if (v.kind === "error") p.reject(v.error);
  }
  // The rest, one at a time and in arrival order, before the pool's next batch.
  for (const [i, v] of verdicts.entries()) {
    if (v.kind !== "alone") continue;
    const p = batch[i]!;
    await book(ctx, p.by, p.input).then(p.resolve, p.reject);
  }
}

/**
 * The rows one booking's decision reads: the pool's holds overlapping its window (placement) and,
 * when its team's quota can refuse, the team's rows (its quota weeks). Everything else in the
 * batch's snapshot belongs to other bookings of the batch.
 */
function relevantTo(
  held: readonly Reservation[],
  r: { readonly team: string; readonly pool: string; readonly start: Millis; readonly end: Millis },
  quota: boolean,
) {
  return held.filter(
    (h) => (h.pool === r.pool && h.start < r.end && h.end > r.start) || (quota && h.team === r.team),
  );
}

/** Per team (those `include` keeps), the ISO weeks its bookings in `of` touch: what its quota reads. */
function quotaWeeks(of: readonly Pending[], now: Millis, include: (team: string) => boolean) {
  const weeks = new Map<string, { team: string; weeksFrom: Millis; weeksTo: Millis }>();
  for (const p of of) {
    if (!include(p.team)) continue;
    const from = isoWeekStart(Math.min(now, p.input.start));
    const to = isoWeekStart(p.input.end) + WEEK_MS;
    const w = weeks.get(p.team);
    weeks.set(p.team, {
      team: p.team,
      weeksFrom: Math.min(from, w?.weeksFrom ?? from),
      weeksTo: Math.max(to, w?.weeksTo ?? to),
    });
  }
  return [...weeks.values()];
}

function outcome(r: Reservation, p: Pending, now: Millis): BookingOutcome {
  const row = newReservationRow({
    reservation: r,
    title: p.input.title ?? "",
    kind: "booking",
    bookedBy: p.by.name,
    recurrenceId: null,
  });
  const view = reservationView({ ...row, started_at: null, seq: "" }, now);
  return { reservation: { ...view, displaced: [] }, occurrences: [r.id] };
}
