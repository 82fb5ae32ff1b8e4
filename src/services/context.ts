// What every service receives: the database, the clock, the booking rules, a logger, the booking
// path's state, and a way to wake the loop and the event streams after a commit.
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Database } from "../adapters/db/tables.ts";
import type { Clock } from "../basics/clock.ts";
import type { BookingRules } from "../core/index.ts";
import type { Millis } from "../core/types.ts";
import type { BookingState } from "./booking/booking-state.ts";

export interface ServiceContext {
  readonly db: Kysely<Database>;
  readonly dbKind: "postgres" | "pglite";
  readonly clock: Clock;
  readonly rules: BookingRules;
  readonly logger: Logger;
  /** What the booking path keeps between requests (queues, pools' holds, caches); one per process. */
  readonly booking: BookingState;
  /**
   * Called after a commit that produced events or changed what the loop should do next. With
   * `wakeAt`, the commit changes nothing the loop decides before that time (a booking that starts
   * later): the loop arms its timer for it instead of running a cycle now.
   */
  readonly changed: (hint?: ChangeHint) => void;
}

export interface ChangeHint {
  readonly wakeAt: Millis;
}

/** Who is calling: resolved from a bearer token. */
export interface Principal {
  readonly tokenId: string;
  readonly name: string;
  readonly role: "admin" | "member";
  /** null only for admins not bound to a team. */
  readonly team: string | null;
}

export function isAdmin(p: Principal): boolean {
  return p.role === "admin";
}
