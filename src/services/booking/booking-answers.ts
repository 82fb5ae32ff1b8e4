// What a booking asks (its input, and the team it is for), what it answers and what it leaves
// behind, the same whichever way it was decided (in a batch or alone): the domain error of a refusal, the rows its write stores (its `book` audit entry and
// `reservation.created` event included), and the reservation as the API shows it.

import { newReservationRow } from "../../adapters/db/mappers.ts";
import type { BookingRecord } from "../../adapters/db/repos/new-bookings.ts";
import { DomainError, invalid } from "../../basics/domain-error.ts";
import { type BookingDecision, bookedGpuSeconds, type Suggestion } from "../../core/index.ts";
import type { Millis, Priority, Reservation } from "../../core/types.ts";
import { isAdmin, type Principal } from "../context.ts";
import { iso, reservationView } from "../views.ts";

export interface BookingInput {
  readonly pool: string;
  readonly nodes: number;
  readonly gpusPerNode: number;
  readonly start: Millis;
  readonly end: Millis;
  readonly priority: Priority;
  readonly title?: string | undefined;
  readonly team?: string | undefined;
  /** Daily or weekly occurrences until (exclusive of starts at or after) `until`. */
  /**
   * Daily or weekly occurrences until (exclusive of starts at or after) `until`, at the first one's
   * wall-clock time in `timeZone` (UTC when absent).
   */
  readonly repeat?:
    | { readonly every: "day" | "week"; readonly until: Millis; readonly timeZone?: string | undefined }
    | undefined;
}

export function resolveTeam(by: Principal, team: string | undefined): string {
  if (isAdmin(by)) {
    const t = team ?? by.team;
    if (!t) throw invalid([{ field: "team", message: "an admin books for a team: name it" }]);
    return t;
  }
  if (team !== undefined && team !== by.team) {
    throw new DomainError("forbidden", `members book for their own team (${by.team}) only`);
  }
  return by.team!;
}

export interface BookingOutcome {
  readonly reservation: ReturnType<typeof reservationView> & { displaced: string[] };
  readonly occurrences: string[];
}

/** A refusal of the core as the domain error the API turns into problem+json. */
export function refusal(decision: Exclude<BookingDecision, { ok: true }>, occurrence?: number): DomainError {
  const where = occurrence !== undefined && occurrence > 0 ? ` (occurrence ${occurrence + 1})` : "";
  switch (decision.code) {
    case "invalid":
      return invalid(decision.errors, `the booking is invalid${where}`);
    case "slot-taken":
      return new DomainError("slot-taken", decision.detail + where, {
        suggestions: decision.suggestions.map(suggestionView),
        holders: decision.holders,
      });
    case "quota-exceeded": {
      const { ok: _ok, code: _code, detail, ...figures } = decision;
      return new DomainError("quota-exceeded", detail + where, figures);
    }
    case "displacement-frozen":
      return new DomainError("displacement-frozen", decision.detail + where, { holders: decision.holders });
  }
}

function suggestionView(s: Suggestion) {
  return {
    pool: s.pool,
    nodes: s.nodes,
    gpusPerNode: s.gpusPerNode,
    start: iso(s.start),
    end: iso(s.end),
    kind: s.kind,
  };
}

export function unknownTeam(team: string): DomainError {
  return invalid([{ field: "team", message: `unknown team "${team}"` }]);
}

/** What the write stores for an accepted booking. */
export function bookingRecord(
  r: Reservation,
  by: Principal,
  title: string | undefined,
  recurrenceId: string | null = null,
): BookingRecord {
  return {
    reservation: r,
    title: title ?? "",
    bookedBy: by.name,
    recurrenceId,
    gpuSeconds: bookedGpuSeconds(r, r),
    audit: {
      pool: r.pool,
      nodes: r.nodes,
      gpusPerNode: r.gpusPerNode,
      priority: r.priority,
      start: iso(r.start),
      end: iso(r.end),
      placement: r.placement,
    },
    // The `reservation.created` event's data (docs/rules.md §4).
    event: {
      reservation: r.id,
      team: r.team,
      pool: r.pool,
      start: iso(r.start),
      end: iso(r.end),
      priority: r.priority,
      placement: r.placement,
    },
  };
}

/** The body the API answers a booking with (201): what an Idempotency-Key retry is answered too. */
export function bookingReply(out: BookingOutcome, recurring: boolean) {
  return { ...out.reservation, ...(recurring ? { occurrences: out.occurrences } : {}) };
}

/** The answer to a booking whose first (or only) occurrence is `first`. */
export function bookedOutcome(
  first: BookingRecord,
  occurrences: readonly string[],
  displaced: readonly string[],
  now: Millis,
): BookingOutcome {
  const row = newReservationRow({ ...first, kind: "booking" });
  const view = reservationView({ ...row, started_at: null, seq: "" }, now);
  return { reservation: { ...view, displaced: [...displaced] }, occurrences: [...occurrences] };
}
