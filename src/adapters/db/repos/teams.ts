// The teams table: a team's name, its Kubernetes namespaces, its weekly GPU-hour quota per
// priority (JSON) and its concurrent-GPU cap.
import type { Kysely, Transaction } from "kysely";
import { DomainError } from "../../../basics/domain-error.ts";
import { sqlState, UNIQUE_VIOLATION } from "../sql-errors.ts";
import type { Database, TeamRow } from "../tables.ts";

type Handle = Kysely<Database> | Transaction<Database>;

/** A new team with the service's default quotas; a taken name is a conflict. */
export async function insertTeam(db: Handle, name: string, namespaces: readonly string[]): Promise<void> {
  await db
    .insertInto("teams")
    .values({ name, namespaces: [...namespaces], quota: "{}", max_gpus: null })
    .execute()
    .catch((err: unknown) => {
      if (sqlState(err) === UNIQUE_VIOLATION) {
        throw new DomainError("conflict", `team "${name}" already exists`, {}, { cause: err });
      }
      throw err;
    });
}

/** Creates the team unless it exists (teams Berth keeps for itself). */
export async function ensureTeam(db: Handle, name: string): Promise<void> {
  await db
    .insertInto("teams")
    .values({ name, quota: "{}", max_gpus: null })
    .onConflict((oc) => oc.column("name").doNothing())
    .execute();
}

export async function getTeamRow(db: Handle, name: string): Promise<TeamRow | undefined> {
  return db.selectFrom("teams").selectAll().where("name", "=", name).executeTakeFirst();
}

export async function getTeamRows(db: Handle, names: readonly string[]): Promise<TeamRow[]> {
  if (names.length === 0) return [];
  return db
    .selectFrom("teams")
    .selectAll()
    .where("name", "in", [...names])
    .execute();
}

export async function teamExists(db: Handle, name: string): Promise<boolean> {
  const row = await db.selectFrom("teams").select("name").where("name", "=", name).executeTakeFirst();
  return row !== undefined;
}

export async function listTeamNames(db: Handle): Promise<string[]> {
  const rows = await db.selectFrom("teams").select("name").orderBy("name").execute();
  return rows.map((r) => r.name);
}

/** Replaces the team's quotas; false when there is no such team. */
export async function setTeamQuota(
  db: Handle,
  name: string,
  quota: Record<string, number>,
  maxGpus: number | null,
): Promise<boolean> {
  const res = await db
    .updateTable("teams")
    .set({ quota: JSON.stringify(quota), max_gpus: maxGpus })
    .where("name", "=", name)
    .executeTakeFirst();
  return res.numUpdatedRows > 0n;
}
