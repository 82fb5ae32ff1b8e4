// Read-only GPU-hour reports across reservations and job attempts (GET /usage). Each figure is the
// overlap of a held interval with the asked window, times its GPUs, summed per team and pool:
// - booked: reservations that held their slots (confirmed, active or completed; not cancelled,
//   displaced or released, which gave their hours back, docs/rules.md §1);
// - used: job attempts, from their start to their end (or now while running);
// - lent: attempts that ran on idle GPUs of other reservations (lent_from), counted for the teams
//   that lent them, shared evenly among the lending reservations of one attempt.
import { type Kysely, sql } from "kysely";
import type { Database } from "../tables.ts";

export interface UsageRow {
  readonly team: string;
  readonly pool: string;
  readonly booked: number;
  readonly used: number;
  readonly lent: number;
}

export interface UsageFilter {
  readonly from: Date;
  readonly to: Date;
  readonly now: Date;
  readonly team?: string | undefined;
  readonly pool?: string | undefined;
}

export async function usageByTeamAndPool(db: Kysely<Database>, f: UsageFilter): Promise<UsageRow[]> {
  const team = f.team ?? null;
  const pool = f.pool ?? null;
  const { rows } = await sql<UsageRow>`
    WITH booked AS (
      SELECT r.team, r.pool,
        sum(r.nodes * r.gpus_per_node * extract(epoch FROM least(r.end_at, ${f.to}) - greatest(r.start_at, ${f.from}))) / 3600 AS h
      FROM reservations r
      WHERE r.kind = 'booking' AND r.state IN ('confirmed', 'completed')
        AND r.start_at < ${f.to} AND r.end_at > ${f.from}
      GROUP BY r.team, r.pool
    ), attempts AS (
      SELECT j.team, j.pool, j.gpus, a.lent_from,
        extract(epoch FROM least(coalesce(a.ended_at, ${f.now}), ${f.to}) - greatest(a.started_at, ${f.from})) / 3600 AS h
      FROM job_attempts a JOIN jobs j ON j.id = a.job_id
      WHERE a.started_at < ${f.to} AND coalesce(a.ended_at, ${f.now}) > ${f.from}
    ), used AS (
      SELECT team, pool, sum(gpus * h) AS h FROM attempts GROUP BY team, pool
    ), lent AS (
      SELECT r.team, r.pool, sum(a.gpus * a.h / cardinality(a.lent_from)) AS h
      FROM attempts a CROSS JOIN LATERAL unnest(a.lent_from) AS l(id) JOIN reservations r ON r.id = l.id
      WHERE cardinality(a.lent_from) > 0
      GROUP BY r.team, r.pool
    ), keys AS (
      SELECT team, pool FROM booked UNION SELECT team, pool FROM used UNION SELECT team, pool FROM lent
    )
    SELECT k.team, k.pool,
      coalesce(b.h, 0)::float8 AS booked, coalesce(u.h, 0)::float8 AS used, coalesce(l.h, 0)::float8 AS lent
    FROM keys k
      LEFT JOIN booked b USING (team, pool) LEFT JOIN used u USING (team, pool) LEFT JOIN lent l USING (team, pool)
    WHERE (${team}::text IS NULL OR k.team = ${team}) AND (${pool}::text IS NULL OR k.pool = ${pool})
    ORDER BY k.team, k.pool`.execute(db);
  return rows;
}
