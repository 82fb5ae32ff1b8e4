// Teams and their quotas (docs/rules.md §1): GPU-hours per priority per UTC ISO week and a cap on
// concurrent GPUs; what a stored quota means is `quotaOf` in src/core/quota.ts.
import { toReservation } from "../../adapters/db/mappers.ts";
import { appendAudit } from "../../adapters/db/repos/audit.ts";
import { listReservationsOverlapping } from "../../adapters/db/repos/reservations.ts";
import { getTeamRow, insertTeam, listTeamNames, setTeamQuota } from "../../adapters/db/repos/teams.ts";
import { DomainError, notFound } from "../../basics/domain-error.ts";
import { isoWeekStart, quotaOf, usedGpuHoursInWeek, WEEK_MS } from "../../core/index.ts";
import { PRIORITIES, type Priority } from "../../core/types.ts";
import { invalidateTeamRows } from "../booking/team-rows-cache.ts";
import { isAdmin, type Principal, type ServiceContext } from "../context.ts";
import { answerWithWrite } from "../idempotent-answers.ts";

export async function createTeam(
  ctx: ServiceContext,
  by: Principal,
  req: { name: string; namespaces?: string[] },
) {
  if (!isAdmin(by)) throw new DomainError("forbidden", "only an admin may create teams");
  return ctx.db.transaction().execute(async (trx) => {
    await insertTeam(trx, req.name, req.namespaces ?? []);
    const team = await getTeam({ ...ctx, db: trx }, req.name);
    // The answer commits with the team: a retry after a crash replays it instead of a 409.
    await answerWithWrite(trx, 201, team);
    return team;
  });
}

export async function getTeam(ctx: ServiceContext, name: string) {
  const row = await getTeamRow(ctx.db, name);
  if (!row) throw notFound(`team ${name}`);
  const q = quotaOf(row.quota, row.max_gpus);
  return {
    name: row.name,
    namespaces: row.namespaces,
    quotas: { ...q.gpuHoursPerWeek, maxGpus: q.maxGpus ?? null },
  };
}

export async function listTeams(ctx: ServiceContext) {
  const names = await listTeamNames(ctx.db);
  return Promise.all(names.map((name) => getTeam(ctx, name)));
}

/** Replaces the team's quotas: classes not named go back to the service default. */
export async function setQuotas(
  ctx: ServiceContext,
  by: Principal,
  team: string,
  req: { perPriority: Partial<Record<Priority, number>>; maxGpus?: number | null | undefined },
) {
  if (!isAdmin(by)) throw new DomainError("forbidden", "only an admin may set quotas");
  const found = await ctx.db.transaction().execute(async (trx) => {
    const ok = await setTeamQuota(trx, team, req.perPriority, req.maxGpus ?? null);
    if (ok)
      await appendAudit(trx, {
        at: ctx.clock.now(),
        actor: by.name,
        action: "team.quotas-set",
        team,
        detail: { perPriority: req.perPriority, maxGpus: req.maxGpus ?? null },
      });
    return ok;
  });
  if (!found) throw notFound(`team ${team}`);
  invalidateTeamRows(ctx);
  return quotaReport(ctx, team);
}

/** Limits, use and what is left in the current UTC ISO week. */
export async function quotaReport(ctx: ServiceContext, team: string) {
  const row = await getTeamRow(ctx.db, team);
  if (!row) throw notFound(`team ${team}`);
  const now = ctx.clock.now();
  const quota = quotaOf(row.quota, row.max_gpus);
  const weekStart = isoWeekStart(now);
  const week = { start: weekStart, end: weekStart + WEEK_MS };
  const rows = await listReservationsOverlapping(ctx.db, { team }, ["confirmed", "completed"], week);
  // Completed rows still count for the week they were used in, so read them as held here
  // (cancelled, displaced and released ones give their hours back).
  const reservations = rows.map((r) => ({ ...toReservation(r, now), state: "confirmed" as const }));
  const classes = Object.fromEntries(
    PRIORITIES.map((p) => {
      const limit = quota.gpuHoursPerWeek[p];
      const used = usedGpuHoursInWeek(reservations, team, p, week);
      return [
        p,
        {
          limitGpuHours: limit ?? null,
          usedGpuHours: used,
          leftGpuHours: limit === undefined ? null : limit - used,
        },
      ];
    }),
  );
  return {
    team,
    week: { start: new Date(week.start).toISOString(), end: new Date(week.end).toISOString() },
    maxGpus: quota.maxGpus ?? null,
    classes,
  };
}
