// Which team's accounting a caller may read: admins any (or all), members their own only. A member
// naming another team is refused rather than silently narrowed, so a client never mistakes an
// empty answer for another team's figures.
import { DomainError } from "../../basics/domain-error.ts";
import { isAdmin, type Principal } from "../context.ts";

export function visibleTeam(by: Principal, asked: string | undefined): string | undefined {
  if (isAdmin(by)) return asked;
  if (asked !== undefined && asked !== by.team)
    throw new DomainError("forbidden", "members read their own team's usage and audit only");
  return by.team ?? "";
}
