// Checks that the database and the core agree after whatever happened: every held reservation has
// exactly the slot rows of its placement for its window, no slot row belongs to anything else, and
// no two held reservations share a GPU ordinal at overlapping times (checked here in JS as well as
// by the exclusion constraint, so a bug in one is caught by the other).
import { type Kysely, sql } from "kysely";
import type { Database } from "../../src/adapters/db/tables.ts";

export interface Consistency {
  readonly held: {
    id: string;
    team: string;
    gpus: number;
    start: number;
    end: number;
    placement: { node: string; gpus: number[] }[];
  }[];
  readonly problems: string[];
}

export async function checkConsistency(db: Kysely<Database>): Promise<Consistency> {
  const problems: string[] = [];
  const rows = await db.selectFrom("reservations").selectAll().where("state", "=", "confirmed").execute();
  // Each slot row's GPU set expanded back into ordinals, one result row per (node, ordinal).
  const slots = await sql<{ reservation_id: string; node: string; ordinal: number; lo: Date; hi: Date }>`
    SELECT s.reservation_id, s.node, o.ordinal, lower(s.during) AS lo, upper(s.during) AS hi
    FROM reservation_slots s, unnest(s.gpus) AS g(run), generate_series(lower(g.run), upper(g.run) - 1) AS o(ordinal)`.execute(
    db,
  );
  const byRes = new Map<string, typeof slots.rows>();
  for (const s of slots.rows) byRes.set(s.reservation_id, [...(byRes.get(s.reservation_id) ?? []), s]);
  const held = rows.map((r) => ({
    id: r.id,
    team: r.team,
    gpus: r.nodes * r.gpus_per_node,
    start: r.start_at.getTime(),
    end: r.end_at.getTime(),
    placement: r.placement,
  }));
  for (const r of held) {
    const mine = byRes.get(r.id) ?? [];
    const want = r.placement.flatMap((p) => p.gpus.map((g) => `${p.node}/${g}`)).sort();
    const got = mine.map((s) => `${s.node}/${s.ordinal}`).sort();
    if (JSON.stringify(want) !== JSON.stringify(got))
      problems.push(`${r.id}: slots ${got} != placement ${want}`);
    if (want.length !== r.gpus)
      problems.push(`${r.id}: placement holds ${want.length} GPUs, shape says ${r.gpus}`);
    for (const s of mine) {
      if (s.lo.getTime() !== r.start || s.hi.getTime() !== r.end)
        problems.push(`${r.id}: slot window differs from the reservation's`);
    }
    byRes.delete(r.id);
  }
  for (const id of byRes.keys()) problems.push(`slot rows of ${id}, which holds nothing`);
  const seen = new Map<string, { id: string; start: number; end: number }[]>();
  for (const r of held) {
    for (const p of r.placement) {
      for (const g of p.gpus) {
        const key = `${p.node}/${g}`;
        for (const o of seen.get(key) ?? []) {
          if (o.start < r.end && r.start < o.end) problems.push(`${key} held by ${o.id} and ${r.id}`);
        }
        seen.set(key, [...(seen.get(key) ?? []), r]);
      }
    }
  }
  return { held, problems };
}
