// The recurrences table: a recurring series (daily or weekly until a date, in a time zone) its reservations share.
import type { Transaction } from "kysely";
import type { Millis } from "../../../core/types.ts";
import type { Database } from "../tables.ts";

export async function insertRecurrence(
  trx: Transaction<Database>,
  r: {
    readonly id: string;
    readonly team: string;
    readonly every: "day" | "week";
    readonly until: Millis;
    /** The IANA zone whose wall clock the series keeps. */
    readonly timeZone: string;
  },
): Promise<void> {
  await trx
    .insertInto("recurrences")
    .values({
      id: r.id,
      team: r.team,
      frequency: r.every === "day" ? "daily" : "weekly",
      until_at: new Date(r.until),
      time_zone: r.timeZone,
    })
    .execute();
}
