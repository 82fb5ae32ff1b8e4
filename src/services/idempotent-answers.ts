// Idempotency-Key answers: what the API middleware (src/api/idempotency.ts) stores and replays.
// A request that carries a key runs inside its claim (`withClaim`). A write stores its answer in
// the claim's name in the same transaction, or the same statement, as the write itself
// (`answerRow` for a statement, `answerWithWrite` for a transaction), so a crash between the commit
// and the answer cannot let a retry write again: the retry finds the answer. Answers that write
// nothing (a refusal, a read) are stored by the middleware after they are sent (the first stored
// wins).
import { AsyncLocalStorage } from "node:async_hooks";
import type { Transaction } from "kysely";
import {
  findStoredAnswer,
  insertAnswer,
  type StoredAnswer,
  storeAnswer,
} from "../adapters/db/repos/idempotency-keys.ts";
import { translateSqlError } from "../adapters/db/sql-errors.ts";
import type { Database } from "../adapters/db/tables.ts";
import type { ServiceContext } from "./context.ts";

export type { StoredAnswer };

/** A keyed request: whose key, and the hash of what it asked. */
export interface IdempotencyClaim {
  readonly tokenId: string;
  readonly key: string;
  readonly requestHash: string;
  /** Set once a write stored the answer with itself: the middleware then stores nothing. */
  stored: boolean;
  /**
   * The status a write stored with itself, inside its transaction (`answerWithWrite`). The
   * middleware stores nothing when it answers with this status: the write committed. A write that
   * rolled back answers with an error instead, which the middleware stores as any other.
   */
  storedStatus?: number;
}

const claims = new AsyncLocalStorage<IdempotencyClaim>();

/** Runs `fn` (the rest of the request) inside `claim`. */
export function withClaim<T>(claim: IdempotencyClaim, fn: () => T): T {
  return claims.run(claim, fn);
}

/** The claim of the request being served, if it carries a key. */
export function currentClaim(): IdempotencyClaim | undefined {
  return claims.getStore();
}

/** The row a write stores with itself for `claim`: its answer, as the API will send it. */
export function answerRow(claim: IdempotencyClaim, status: number, body: unknown) {
  return {
    tokenId: claim.tokenId,
    key: claim.key,
    requestHash: claim.requestHash,
    status,
    body: JSON.stringify(body),
  };
}

/**
 * Inside the transaction of a write: stores the answer of the request being served (when it
 * carries an Idempotency-Key) with the write, so both commit or neither does. `secret`: the answer
 * shows a secret once; only a marker with the created id is kept (`withheldAnswer`). A key another
 * replica answered meanwhile aborts the write (a conflict: the retry replays that answer).
 */
export async function answerWithWrite(
  trx: Transaction<Database>,
  status: number,
  body: unknown,
  opts: { readonly secret?: boolean } = {},
): Promise<void> {
  const claim = currentClaim();
  if (!claim) return;
  const row = answerRow(claim, status, opts.secret ? withheldAnswer(body) : body);
  await insertAnswer(trx, row).catch((err: unknown) => {
    throw translateSqlError(err);
  });
  claim.storedStatus = status;
}

const WITHHELD = "berth:secret-withheld";

/** What is stored instead of an answer with a secret: only the created resource's id. */
export function withheldAnswer(body: unknown): Record<string, unknown> {
  const id = body && typeof body === "object" ? (body as { id?: unknown }).id : undefined;
  return { [WITHHELD]: true, id: typeof id === "string" ? id : null };
}

/** The created id when `stored` is a withheld answer's marker, else undefined. */
export function withheldId(stored: unknown): { id: string | null } | undefined {
  const v = typeof stored === "string" ? safeParse(stored) : stored;
  if (v && typeof v === "object" && (v as Record<string, unknown>)[WITHHELD] === true)
    return { id: ((v as { id?: string | null }).id ?? null) as string | null };
  return undefined;
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

export function priorAnswer(ctx: ServiceContext, tokenId: string, key: string) {
  return findStoredAnswer(ctx.db, tokenId, key);
}

export function rememberAnswer(ctx: ServiceContext, tokenId: string, key: string, answer: StoredAnswer) {
  return storeAnswer(ctx.db, tokenId, key, answer);
}
