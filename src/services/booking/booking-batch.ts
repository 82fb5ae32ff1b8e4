// Group commit of bookings, per pool: the entry of every booking (POST /reservations). Bookings
// that arrive while a pool's previous batch is being decided or written wait and then go together
// in the next one: one round trip for the locks and what must be read under them, one statement
// for the whole batch's write, so a burst costs a handful of round trips instead of a handful per
// booking (on two cores the round trips, not the decisions, were the cost: BENCHMARKS.md). One
// booking alone is a batch of one, with no added wait.
//
// A batch, in the steps of `runBatch`: (1) choose its locks: the pool's, and those of the teams
// whose quota can refuse, taken first as everywhere; (2) take them and read the pool's hold
// version and the teams' rows under them; (3) read the snapshot (booking-snapshot.ts); (4) ask the
// core about each booking in arrival order, each seeing the ones accepted before it; (5) decide
// the refusals again on the wide snapshot (their suggestions look further); (6) write the
// acceptances in one statement; (7) move the pool's memory on, answer, and (8) hand what a batch
// does not settle to the one-at-a-time path (booking.ts), in order: a displacement, a recurring
// booking, a team whose quota changed under the batch. The exclusion constraint on slot rows still
// has the last word, and a batch that fails as a whole (a clash the lock did not prevent, a lost
// connection) hands each booking to that path.
import type { Kysely } from "kysely";
import { underBatchLocks } from "../../adapters/db/advisory-locks.ts";
import { type BookingRecord, insertBookings } from "../../adapters/db/repos/new-bookings.ts";
import { isTimeout, translateSqlError } from "../../adapters/db/sql-errors.ts";
import type { Database, TeamRow } from "../../adapters/db/tables.ts";
import { newId } from "../../basics/ids.ts";
import type { BookingRequest } from "../../core/booking.ts";
import { decideBooking, mergeQuotaReads, quotaMayRefuse, quotaOf, quotaReads } from "../../core/index.ts";
import type { Inventory, Millis, Reservation } from "../../core/types.ts";
import { isAdmin, type Principal, type ServiceContext } from "../context.ts";
import { answerRow, currentClaim, type IdempotencyClaim } from "../idempotent-answers.ts";
import { cachedInventory } from "../inventory/inventory-cache.ts";
import { book } from "./booking.ts";
import {
  type BookingInput,
  type BookingOutcome,
  bookedOutcome,
  bookingRecord,
  bookingReply,
  refusal,
  resolveTeam,
  unknownTeam,
} from "./booking-answers.ts";
import { type BookingSnapshot, decidedOn, readSnapshot, widen } from "./booking-snapshot.ts";
import type { PoolHolds } from "./pool-holds-memory.ts";
import { poolLockKey, teamLockKey } from "./transactions.ts";

/** Most bookings one batch carries; a longer queue is served in several. */
export const MAX_BATCH = 256;

interface Pending {
  readonly by: Principal;
  /** The request's Idempotency-Key claim: its answer is written with its booking. */
  readonly claim: IdempotencyClaim | undefined;
  readonly team: string;
  readonly input: BookingInput;
  readonly resolve: (out: BookingOutcome) => void;
  readonly reject: (err: unknown) => void;
}

interface PoolQueue {
  pending: Pending[];
  draining: boolean;
}

/** Per pool, the bookings waiting for its next batch (kept in services/booking/booking-state.ts). */
export type BookingQueues = Map<string, PoolQueue>;

/** Books `input` (same answers and errors as `book`), in one batch with concurrent bookings of its pool. */
export function bookBatched(
  ctx: ServiceContext,
  by: Principal,
  input: BookingInput,
): Promise<BookingOutcome> {
  const claim = currentClaim();
  // Recurring bookings decide all occurrences together: the one-at-a-time path does that.
  if (input.repeat) return book(ctx, by, input, { claim });
  const team = resolveTeam(by, input.team);
  const queues = ctx.booking.queues;
  let queue = queues.get(input.pool);
  if (!queue) {
    queue = { pending: [], draining: false };
    queues.set(input.pool, queue);
  }
  const q = queue;
  return new Promise<BookingOutcome>((resolve, reject) => {
    q.pending.push({ by, team, input, claim, resolve, reject });
    if (!q.draining) {
      q.draining = true;
      void drain(ctx, input.pool, q).finally(() => {
        // Drop the idle queue: pool names come from requests, and unknown ones must not pile up.
        if (!q.draining && queues.get(input.pool) === q) queues.delete(input.pool);
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

/** What the batch decided for each booking. */
type Verdict =
  | { readonly kind: "accepted"; readonly reservation: Reservation }
  /** To the one-at-a-time path; `wide` when it is known to need the wide snapshot. */
  | { readonly kind: "alone"; readonly wide: boolean }
  | { readonly kind: "error"; readonly error: unknown }
  /** Refused on the narrow snapshot: decided again on the wide one (step 5), never left so. */
  | { readonly kind: "refused" };

interface Decided {
  readonly verdicts: Verdict[];
  readonly now: Millis;
  readonly deliveries: number;
  /** The pool's holds the batch decided on, at the version it read under the lock. */
  readonly seen: PoolHolds | undefined;
}

async function runBatch(ctx: ServiceContext, pool: string, batch: readonly Pending[], sequence: Sequence) {
  let out: Decided;
  try {
    const inventory = await cachedInventory(ctx);
    const locks = await chooseLocks(ctx, pool, batch); // (1)
    // (2) Under the locks, with the pool's hold version and the teams' rows read under them.
    out = await underLocks(ctx, locks, async (db, teams, version) => {
      // The previous batch released the lock after its write; its holds must be in memory first.
      await sequence.after;
      const now = ctx.clock.now();
      const reads = quotaReadsOf(batch, teams, locks.teams, now);
      const at = { pool, inventory, now, lockedVersion: version };
      const snap = await readSnapshot(ctx, db, at, reads); // (3)
      const requests = batch.map((p) => bookingRequest(p, pool));
      const verdicts = decideEach(ctx, batch, requests, snap, teams, locks.teams); // (4)
      await decideRefusalsWide(ctx, db, batch, requests, verdicts, snap, teams); // (5)
      sequence.decided();
      const deliveries = await writeAccepted(ctx, db, now, batch, verdicts); // (6)
      return { verdicts, now, deliveries, seen: snap.pools.get(pool) };
    });
  } catch (err) {
    // A lock not granted or a statement cut short by the database's timeouts: the pool is busy,
    // and each booking alone would wait as long again. Answered so, to be retried.
    const busy = isTimeout(err);
    if (!busy)
      ctx.logger.debug({ err, bookings: batch.length }, "booking batch failed: booking one at a time");
    out = {
      verdicts: batch.map(() =>
        busy ? { kind: "error", error: translateSqlError(err) } : { kind: "alone", wide: false },
      ),
      now: ctx.clock.now(),
      deliveries: 0,
      seen: undefined,
    };
  }
  // (7) Memory moves on by the batch's write only when the batch wrote; a failed batch forgets.
  const accepted = out.verdicts.flatMap((v) => (v.kind === "accepted" ? [v.reservation] : []));
  if (out.seen) ctx.booking.holds.afterBatch(pool, out.seen, accepted);
  else ctx.booking.holds.forget(pool);
  sequence.committed();
  answer(ctx, batch, out, accepted); // (7)
  // (8) The rest, one at a time and in arrival order, before the pool's next batch.
  for (const [i, v] of out.verdicts.entries()) {
    if (v.kind !== "alone") continue;
    const p = batch[i]!;
    await book(ctx, p.by, p.input, { wide: v.wide, claim: p.claim }).then(p.resolve, p.reject);
  }
}

/**
 * Step 1: the locks. Which teams' quotas can refuse is judged on rows up to a second old
 * (team-rows-cache.ts); their locks come before the pool's (the order every writer uses), and the
 * rows are read again under them (step 2), where a team that needs a lock it did not get goes alone.
 */
async function chooseLocks(ctx: ServiceContext, pool: string, batch: readonly Pending[]) {
  const names = [...new Set(batch.map((p) => p.team))].sort();
  const before = await ctx.booking.teams.get(ctx.db, names);
  const teams = new Set(
    before
      .filter((row) => batch.some((p) => p.team === row.name && quotaCanRefuse(p, row)))
      .map((row) => row.name),
  );
  return { pool, names, teams, keys: [...[...teams].sort().map(teamLockKey), poolLockKey(pool)] };
}

function quotaCanRefuse(p: Pending, row: TeamRow): boolean {
  return !isAdmin(p.by) && quotaMayRefuse(quotaOf(row.quota, row.max_gpus), p.input.priority);
}

/**
 * Step 2: runs `work` on one connection holding the batch's advisory locks, with the pool's hold
 * version and the teams' rows read under them (session level: the batch's only write is one
 * statement, atomic by itself, so no transaction is needed around it), and releases them whatever
 * happens (a connection whose release failed is dropped, not reused). No retry: the next batch may
 * already wait for the pool's lock (see `drain`); a clash (23P01) sends this batch's bookings down
 * the one-at-a-time path instead.
 */
function underLocks<T>(
  ctx: ServiceContext,
  locks: Awaited<ReturnType<typeof chooseLocks>>,
  work: (db: Kysely<Database>, teams: ReadonlyMap<string, TeamRow>, version: string) => Promise<T>,
): Promise<T> {
  return underBatchLocks(
    ctx.db,
    { keys: locks.keys, pool: locks.pool, teams: locks.names },
    (db, locked) => work(db, new Map(locked.teams.map((r) => [r.name, r])), locked.version),
    (err) => ctx.logger.warn({ err }, "releasing a batch's locks failed: its connection is dropped"),
  );
}

/** Step 3's quota rows: those of the locked teams, each read once for all its bookings. */
function quotaReadsOf(
  batch: readonly Pending[],
  teams: ReadonlyMap<string, TeamRow>,
  locked: ReadonlySet<string>,
  now: Millis,
) {
  const reads = batch.flatMap((p) => {
    const row = teams.get(p.team);
    const read =
      row && locked.has(p.team) ? quotaReads(p.team, quotaOf(row.quota, row.max_gpus), p.input, now) : null;
    return read ? [read] : [];
  });
  return mergeQuotaReads(reads);
}

function bookingRequest(p: Pending, pool: string): BookingRequest {
  const { nodes, gpusPerNode, start, end, priority } = p.input;
  return { id: newId("r"), team: p.team, pool, nodes, gpusPerNode, start, end, priority };
}

function decideOne(
  ctx: ServiceContext,
  p: Pending,
  request: BookingRequest,
  inventory: Inventory,
  row: TeamRow,
  reservations: Reservation[],
  now: Millis,
) {
  return decideBooking({
    inventory,
    reservations,
    request,
    now,
    rules: ctx.rules,
    quota: quotaOf(row.quota, row.max_gpus),
    bypassQuota: isAdmin(p.by),
  });
}

/**
 * Step 4: each booking in arrival order on the narrow snapshot, seeing the ones accepted before
 * it. A plain acceptance is final; a displacement goes alone (it writes more than the batch's
 * statement does); a refusal is left to step 5, except an invalid request, invalid on any snapshot.
 */
function decideEach(
  ctx: ServiceContext,
  batch: readonly Pending[],
  requests: readonly BookingRequest[],
  snap: BookingSnapshot,
  teams: ReadonlyMap<string, TeamRow>,
  locked: ReadonlySet<string>,
): Verdict[] {
  const accepted: Reservation[] = [];
  return batch.map((p, i): Verdict => {
    const row = teams.get(p.team);
    if (!row) return { kind: "error", error: unknownTeam(p.team) };
    // A quota that can refuse but whose team was not locked changed under the batch.
    if (quotaCanRefuse(p, row) && !locked.has(p.team)) return { kind: "alone", wide: false };
    const request = requests[i]!;
    const decision = decideOne(
      ctx,
      p,
      request,
      snap.inventory,
      row,
      decidedOn(snap, request, accepted),
      snap.now,
    );
    if (decision.ok && decision.displaced.length === 0) {
      const booked: Reservation = {
        ...request,
        bookedAt: snap.now,
        state: "confirmed",
        placement: decision.placement,
      };
      accepted.push(booked);
      return { kind: "accepted", reservation: booked };
    }
    if (decision.ok) return { kind: "alone", wide: true };
    if (decision.code === "invalid") return { kind: "error", error: refusal(decision) };
    return { kind: "refused" };
  });
}

/**
 * Step 5: the refusals again, on the wide snapshot their answer needs: the pool's holds from the
 * booking's start on (the "later" suggestion; exact, under the lock) and the other pools' over its
 * window (their suggestions; as of now). The same rows decide the same way, so a refusal stays a
 * refusal; only its suggestions look further.
 */
async function decideRefusalsWide(
  ctx: ServiceContext,
  db: Kysely<Database>,
  batch: readonly Pending[],
  requests: readonly BookingRequest[],
  verdicts: Verdict[],
  snap: BookingSnapshot,
  teams: ReadonlyMap<string, TeamRow>,
): Promise<void> {
  if (!verdicts.some((v) => v.kind === "refused")) return;
  const wide = await widen(ctx, db, snap);
  const accepted = verdicts.flatMap((v) => (v.kind === "accepted" ? [v.reservation] : []));
  for (const [i, v] of verdicts.entries()) {
    if (v.kind !== "refused") continue;
    const p = batch[i]!;
    const request = requests[i]!;
    const on = decidedOn(wide, request, accepted);
    const decision = decideOne(ctx, p, request, wide.inventory, teams.get(p.team)!, on, wide.now);
    // An acceptance here would be a displacement (plain ones were accepted in step 4): alone.
    verdicts[i] = decision.ok ? { kind: "alone", wide: true } : { kind: "error", error: refusal(decision) };
  }
}

/**
 * Step 6: the acceptances in one statement, each with its request's Idempotency-Key answer (the
 * answer step 7 gives); how many webhook deliveries they queued.
 */
async function writeAccepted(
  ctx: ServiceContext,
  db: Kysely<Database>,
  now: Millis,
  batch: readonly Pending[],
  verdicts: Verdict[],
) {
  const records = verdicts.flatMap((v, i) => {
    if (v.kind !== "accepted") return [];
    const p = batch[i]!;
    const record = bookingRecord(v.reservation, p.by, p.input.title);
    const answer = p.claim && answerRow(p.claim, 201, bookingReply(acceptedOutcome(record, now), false));
    return [{ ...record, answer }];
  });
  if (records.length === 0) return 0;
  const { deliveries } = await insertBookings(db, now, records);
  ctx.booking.afterCommit?.();
  for (const [i, v] of verdicts.entries()) {
    const claim = batch[i]!.claim;
    if (v.kind === "accepted" && claim) claim.stored = true;
  }
  return deliveries;
}

/** The answer to a booking the batch accepted. */
function acceptedOutcome(record: BookingRecord, now: Millis): BookingOutcome {
  return bookedOutcome(record, [record.reservation.id], [], now);
}

/** Step 7: wakes the loop and answers the bookings the batch settled. */
function answer(
  ctx: ServiceContext,
  batch: readonly Pending[],
  out: Decided,
  accepted: readonly Reservation[],
) {
  if (accepted.length > 0) {
    // Plain acceptances change nothing the loop decides before the earliest of them starts
    // (unless webhooks now wait for delivery).
    const wakeAt = Math.min(...accepted.map((r) => r.start));
    ctx.changed(out.deliveries > 0 ? undefined : { wakeAt });
  }
  for (const [i, v] of out.verdicts.entries()) {
    const p = batch[i]!;
    if (v.kind === "accepted") {
      p.resolve(acceptedOutcome(bookingRecord(v.reservation, p.by, p.input.title), out.now));
    } else if (v.kind === "error") p.reject(v.error);
  }
}
