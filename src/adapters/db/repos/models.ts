// Model versions: registration and their deploy config once promoted. The table's constraints have
// the last word on registration (a team that exists, one row per name and version), and their
// SQLSTATEs become the same domain errors a check before the insert would give.
import type { Kysely, Selectable, Transaction } from "kysely";
import { DomainError, invalid } from "../../../basics/domain-error.ts";
import { FOREIGN_KEY_VIOLATION, sqlState, UNIQUE_VIOLATION } from "../sql-errors.ts";
import type { Database, ModelsTable } from "../tables.ts";

type Handle = Kysely<Database> | Transaction<Database>;
export type ModelRow = Selectable<ModelsTable>;

export async function listModelRows(db: Handle, q: { team?: string | undefined }): Promise<ModelRow[]> {
  let query = db.selectFrom("models").selectAll().orderBy("created_at");
  if (q.team) query = query.where("team", "=", q.team);
  return query.execute();
}

export async function getModelRow(db: Handle, id: string): Promise<ModelRow | undefined> {
  return db.selectFrom("models").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The model's row, locked: two promotions of one model serialise on it. */
export async function lockModelRow(trx: Transaction<Database>, id: string): Promise<ModelRow | undefined> {
  return trx.selectFrom("models").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
}

export interface NewModel {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly team: string;
  readonly artifacts: Readonly<Record<string, string>>;
  /** A version a train job registered: the job, and the pool it trained on. */
  readonly trainedBy?: string;
  readonly trainingPool?: string;
}

/**
 * A new candidate. An unknown team is a 422 on `team` (the foreign key refuses it), an existing
 * name and version a conflict (the unique key refuses it).
 */
export async function insertModel(db: Handle, m: NewModel): Promise<void> {
  try {
    await db.insertInto("models").values(modelValues(m)).execute();
  } catch (err) {
    switch (sqlState(err)) {
      case FOREIGN_KEY_VIOLATION:
        throw invalid([{ field: "team", message: `unknown team "${m.team}"` }]);
      case UNIQUE_VIOLATION:
        throw new DomainError(
          "conflict",
          `model ${m.name} version ${m.version} already exists`,
          {},
          { cause: err },
        );
      default:
        throw err;
    }
  }
}

function modelValues(m: NewModel) {
  return {
    id: m.id,
    name: m.name,
    version: m.version,
    team: m.team,
    inference: null,
    artifacts: JSON.stringify(m.artifacts),
    trained_by: m.trainedBy ?? null,
    training_pool: m.trainingPool ?? null,
  };
}

/**
 * A new candidate unless its name and version exist: false then. For writes inside a larger
 * transaction (a train job's success), which a refused insert would abort whole.
 */
export async function insertModelUnlessTaken(trx: Transaction<Database>, m: NewModel): Promise<boolean> {
  const row = await trx
    .insertInto("models")
    .values(modelValues(m))
    .onConflict((oc) => oc.columns(["name", "version"]).doNothing())
    .returning("id")
    .executeTakeFirst();
  return row !== undefined;
}

export async function setModelPromoted(
  trx: Transaction<Database>,
  id: string,
  inference: object,
  servingPool: string | null,
): Promise<void> {
  await trx
    .updateTable("models")
    .set({ state: "promoted", inference: JSON.stringify(inference), serving_pool: servingPool })
    .where("id", "=", id)
    .execute();
}
