// Why a booking lost its slots, in one wording: the server's reservations and `reservation.displaced`
// events (`reasonText`) and the web UI (notices, the Reservations page, the booking preview) all
// word it here, from the stored reason code. The codes stay as they were (clients and tests match
// them): a priority displacement's `displaced by <id> (<class> over <class>)`, `maintenance`,
// `node-lost`. Pure and free of Node and DOM types: web/ imports this file too.

export const MAINTENANCE_REASON = "maintenance";
export const NODE_LOST_REASON = "node-lost";

export type DisplacementCause = "priority" | "maintenance" | "node-lost";

/** What is known of the booking (or maintenance window) that took the slots. */
export interface Displacer {
  readonly priority?: string;
  readonly team?: string;
  readonly title?: string;
  readonly kind?: string;
}

const PRIORITY_REASON = /^displaced by (\S+) \((\S+) over (\S+)\)/;

/** The stored reason of a booking displaced by a stronger one (docs/rules.md §1). */
export function priorityDisplacementReason(byId: string, byPriority: string, victimPriority: string): string {
  return `displaced by ${byId} (${byPriority} over ${victimPriority})`;
}

/** The cause a stored reason (and the displacer, where known) says. */
export function displacementCause(reason: string | undefined, by?: Displacer): DisplacementCause | undefined {
  if (reason === NODE_LOST_REASON) return "node-lost";
  if (reason === MAINTENANCE_REASON || by?.kind === "maintenance") return "maintenance";
  if (reason && PRIORITY_REASON.test(reason)) return "priority";
  return by ? "priority" : undefined;
}

const quoted = (title: string | undefined) => (title ? ` ("${title}")` : "");

/**
 * Why, as a clause a sentence can end with ("Why: …."): what the team reads in the UI, and the
 * `reasonText` of the API's reservation and event. Facts about the displacer (its team and title,
 * which the UI looks up) add detail to the same words; a reason with no known cause is returned as
 * it was stored.
 */
export function displacementText(reason: string | undefined, by?: Displacer): string {
  switch (displacementCause(reason, by)) {
    case "node-lost":
      return "its node went out of service and no other node had room at that time";
    case "maintenance":
      return `an admin scheduled maintenance of its node${quoted(by?.title)}`;
    case "priority": {
      const m = reason ? PRIORITY_REASON.exec(reason) : null;
      const stronger = by?.priority ?? m?.[2];
      const weaker = m?.[3];
      const who = `a ${stronger ?? "higher-priority"} booking${by?.team ? ` of team ${by.team}` : ""}${quoted(by?.title)}`;
      return `${who} took its slots${stronger && weaker ? ` (${stronger} over ${weaker})` : ""}`;
    }
    default:
      return reason?.trim() || "a higher-priority booking took its slots";
  }
}

/** A booking that a new one would displace, as the booking preview names it. */
export function displacedBookingText(r: {
  readonly id: string;
  readonly title?: string;
  readonly team: string;
  readonly priority: string;
}): string {
  return `"${r.title || r.id}" of team ${r.team} (${r.priority})`;
}
