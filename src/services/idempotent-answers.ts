// Idempotency-Key answers: what the API middleware stores and replays (src/api/idempotency.ts).
import { findStoredAnswer, type StoredAnswer, storeAnswer } from "../adapters/db/repos/idempotency-keys.ts";
import type { ServiceContext } from "./context.ts";

export type { StoredAnswer };

export function priorAnswer(ctx: ServiceContext, tokenId: string, key: string) {
  return findStoredAnswer(ctx.db, tokenId, key);
}

export function rememberAnswer(ctx: ServiceContext, tokenId: string, key: string, answer: StoredAnswer) {
  return storeAnswer(ctx.db, tokenId, key, answer);
}
