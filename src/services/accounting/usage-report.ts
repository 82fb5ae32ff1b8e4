// GET /usage: GPU-hours booked, used and lent per team and pool over a window (default: the current
// UTC ISO week, as quotas count), from the rows the booking and the loop already write.
import { usageByTeamAndPool } from "../../adapters/db/repos/accounting.ts";
import { invalid } from "../../basics/domain-error.ts";
import { isoWeekStart, WEEK_MS } from "../../core/index.ts";
import type { Principal, ServiceContext } from "../context.ts";
import { visibleTeam } from "./visible-team.ts";

export interface UsageQuery {
  readonly team?: string | undefined;
  readonly pool?: string | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

export async function usageReport(ctx: ServiceContext, by: Principal, q: UsageQuery) {
  const team = visibleTeam(by, q.team);
  const now = ctx.clock.now();
  const from = q.from ? Date.parse(q.from) : isoWeekStart(now);
  const to = q.to ? Date.parse(q.to) : from + WEEK_MS;
  if (!(to > from)) throw invalid([{ field: "to", message: "must be after from" }]);
  const rows = await usageByTeamAndPool(ctx.db, {
    from: new Date(from),
    to: new Date(to),
    now: new Date(now),
    team,
    pool: q.pool,
  });
  const round = (h: number) => Math.round(h * 1e6) / 1e6;
  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    items: rows.map((r) => ({
      team: r.team,
      pool: r.pool,
      bookedGpuHours: round(r.booked),
      usedGpuHours: round(r.used),
      lentGpuHours: round(r.lent),
    })),
  };
}
