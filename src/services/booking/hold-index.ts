// A pool's holds sorted by start, searchable by window. Immutable: `withChanges` returns a new
// index and leaves this one as it was, so an index handed to a reader (a batch deciding, the
// free-window search) never changes under it, whatever the pool's memory moves on to.
import { compareId } from "../../core/index.ts";
import type { Millis, Reservation } from "../../core/types.ts";

export class HoldIndex {
  private readonly byStart: readonly Reservation[];
  /** The longest hold's length: nothing starting before `start − longest` reaches `start`. */
  private readonly longest: number;
  /**
   * The same holds in id order, sorted the first time asked (or merged from the index this one was
   * made from): what a wide booking snapshot reads in, so its readers sort once per version.
   */
  private byId: readonly Reservation[] | undefined;

  /** `longest` is given only with holds already sorted by start (see `withChanges`). */
  constructor(holds: readonly Reservation[], longest?: number, byId?: readonly Reservation[]) {
    this.byStart = longest === undefined ? [...holds].sort((a, b) => a.start - b.start) : holds;
    this.longest = longest ?? longestOf(holds, 0);
    this.byId = byId;
  }

  get size(): number {
    return this.byStart.length;
  }

  /** Holds overlapping [start, end) that have not ended by `now`. */
  overlapping(start: Millis, end: Millis, now: Millis): Reservation[] {
    const out: Reservation[] = [];
    for (let i = this.firstStartingAtOrAfter(start - this.longest); i < this.byStart.length; i++) {
      const h = this.byStart[i]!;
      if (h.start >= end) break;
      if (h.end > start && h.end > now) out.push(h);
    }
    return out;
  }

  /** The holds `overlapping` answers, in id order: a scan of every hold, for windows that reach far. */
  overlappingInIdOrder(start: Millis, end: Millis, now: Millis): Reservation[] {
    const out: Reservation[] = [];
    for (const h of this.inIdOrder()) if (h.start < end && h.end > start && h.end > now) out.push(h);
    return out;
  }

  /** Every hold, ended or not, in id order. */
  inIdOrder(): readonly Reservation[] {
    this.byId ??= [...this.byStart].sort((a, b) => compareId(a.id, b.id));
    return this.byId;
  }

  /** Every hold that has not ended by `now`. */
  holdsAfter(now: Millis): Reservation[] {
    return this.byStart.filter((h) => h.end > now);
  }

  /**
   * A new index without `removed` (matched by id) and with `added`: one merge of two sorted lists,
   * not a sort, since a pool's memory moves on by a few holds at a time.
   */
  withChanges(changes: {
    readonly added?: readonly Reservation[];
    readonly removed?: readonly Reservation[];
  }): HoldIndex {
    const gone = new Set((changes.removed ?? []).map((r) => r.id));
    const kept = gone.size > 0 ? this.byStart.filter((h) => !gone.has(h.id)) : this.byStart;
    const added = [...(changes.added ?? [])].sort((a, b) => a.start - b.start);
    const merged: Reservation[] = [];
    let k = 0;
    for (const h of kept) {
      while (k < added.length && added[k]!.start < h.start) merged.push(added[k++]!);
      merged.push(h);
    }
    while (k < added.length) merged.push(added[k++]!);
    // Still an upper bound after removals: `overlapping` only scans a little more.
    return new HoldIndex(
      merged,
      longestOf(added, this.longest),
      this.byId && idMerge(this.byId, gone, added),
    );
  }

  private firstStartingAtOrAfter(t: Millis): number {
    let lo = 0;
    let hi = this.byStart.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.byStart[mid]!.start < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** `byId` without the ids in `gone` and with `added`, in id order: a merge, not a sort. */
function idMerge(
  byId: readonly Reservation[],
  gone: ReadonlySet<string>,
  added: readonly Reservation[],
): Reservation[] {
  const kept = gone.size > 0 ? byId.filter((h) => !gone.has(h.id)) : byId;
  const more = [...added].sort((a, b) => compareId(a.id, b.id));
  const out: Reservation[] = [];
  let k = 0;
  for (const h of kept) {
    while (k < more.length && compareId(more[k]!.id, h.id) < 0) out.push(more[k++]!);
    out.push(h);
  }
  while (k < more.length) out.push(more[k++]!);
  return out;
}

function longestOf(holds: readonly Reservation[], atLeast: number): number {
  return holds.reduce((most, h) => Math.max(most, h.end - h.start), atLeast);
}
