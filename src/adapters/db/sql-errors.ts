// Translates PostgreSQL SQLSTATEs into domain errors, once, at the adapter boundary.
import { DomainError } from "../../basics/domain-error.ts";

export const EXCLUSION_VIOLATION = "23P01";
export const SERIALIZATION_FAILURE = "40001";
export const DEADLOCK_DETECTED = "40P01";
export const UNIQUE_VIOLATION = "23505";
export const FOREIGN_KEY_VIOLATION = "23503";
/** `lock_timeout` ran out (connect.ts sets it on every PostgreSQL session). */
export const LOCK_NOT_AVAILABLE = "55P03";
/** `statement_timeout` ran out (or the statement was cancelled). */
export const QUERY_CANCELED = "57014";

/** The database gave up waiting or running: the caller should answer "busy, retry", not hang. */
export function isTimeout(err: unknown): boolean {
  const state = sqlState(err);
  return state === LOCK_NOT_AVAILABLE || state === QUERY_CANCELED;
}

export function sqlState(err: unknown): string | undefined {
  if (typeof err === "object" && err !== null && "code" in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === "string" ? code : undefined;
  }
  return undefined;
}

/** A slot overlap caught by the exclusion constraint becomes the same conflict the core reports. */
export function translateSqlError(err: unknown): unknown {
  switch (sqlState(err)) {
    case EXCLUSION_VIOLATION:
      return new DomainError("slot-taken", "the requested GPU slots are already held", {}, { cause: err });
    case UNIQUE_VIOLATION:
      if ((err as { constraint?: string }).constraint === "idempotency_keys_pkey")
        return new DomainError(
          "conflict",
          "another request with this Idempotency-Key was answered meanwhile: retry it to get that answer",
          { errors: [{ field: "Idempotency-Key", message: "in use by a concurrent request" }] },
          { cause: err },
        );
      return new DomainError("conflict", "a record with this name already exists", {}, { cause: err });
    case LOCK_NOT_AVAILABLE:
      return new DomainError(
        "unavailable",
        "the database did not grant a lock within its lock timeout (another writer holds it): retry",
        { retryable: true },
        { cause: err },
      );
    case QUERY_CANCELED:
      return new DomainError(
        "unavailable",
        "a database statement ran past its statement timeout: retry",
        { retryable: true },
        { cause: err },
      );
    default:
      return err;
  }
}
