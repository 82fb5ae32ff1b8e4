// Ids of the rows Berth creates: a short prefix naming the kind (`r-` reservation, `j-` job, ...),
// then the creation time so ids sort roughly by age, then a random tail so concurrent ones never clash.
import { randomBytes } from "node:crypto";

export function newId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${randomBytes(5).toString("hex")}`;
}
