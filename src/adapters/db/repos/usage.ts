// GPU-seconds booked and used per reservation (its row is written with the reservation, in
// reservations.ts); the loop adds what a reservation's own jobs used when their runs end.
import type { Transaction } from "kysely";
import type { Millis } from "../../../core/types.ts";
import type { Database } from "../tables.ts";

export async function addUsedGpuSeconds(
  trx: Transaction<Database>,
  reservation: string,
  seconds: number,
  at: Millis,
): Promise<void> {
  await trx
    .updateTable("usage")
    .set((eb) => ({ gpu_seconds_used: eb("gpu_seconds_used", "+", seconds), updated_at: new Date(at) }))
    .where("reservation_id", "=", reservation)
    .execute();
}
