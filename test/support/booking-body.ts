// The body of a plain one-GPU booking on V100, an hour long, `startHours` after T0: the request
// most API tests start from.
import { HOUR, T0 } from "./api-harness.ts";

export const iso = (t: number) => new Date(t).toISOString();

export function bookingBody(over: Record<string, unknown> = {}, startHours = 2): Record<string, unknown> {
  return {
    pool: "V100",
    nodes: 1,
    gpusPerNode: 1,
    priority: "normal",
    start: iso(T0 + startHours * HOUR),
    end: iso(T0 + (startHours + 1) * HOUR),
    ...over,
  };
}
