// Idempotency-Key answers: what the API middleware (src/api/idempotency.ts) stores and replays.
// A request that carries a key runs inside its claim (`withClaim`). A write that must never happen
// twice (a booking) stores its answer in the claim's name in the same transaction, or the same
// statement, as the write itself (`answerRow`), so a crash between the commit and the answer
// cannot let a retry write again: the retry finds the answer. Other answers are stored by the
// middleware after they are sent (the first answer stored wins).
import { AsyncLocalStorage } from "node:async_hooks";
import { findStoredAnswer, type StoredAnswer, storeAnswer } from "../adapters/db/repos/idempotency-keys.ts";
import type { ServiceContext } from "./context.ts";

export type { StoredAnswer };

/** A keyed request: whose key, and the hash of what it asked. */
export interface IdempotencyClaim {
  readonly tokenId: string;
  readonly key: string;
  readonly requestHash: string;
  /** Set once a write stored the answer with itself: the middleware then stores nothing. */
  stored: boolean;
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

export function priorAnswer(ctx: ServiceContext, tokenId: string, key: string) {
  return findStoredAnswer(ctx.db, tokenId, key);
}

export function rememberAnswer(ctx: ServiceContext, tokenId: string, key: string, answer: StoredAnswer) {
  return storeAnswer(ctx.db, tokenId, key, answer);
}
