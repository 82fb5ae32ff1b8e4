// Domain errors: each carries a `code` that src/api alone maps to an HTTP status and a problem type
// (docs/architecture.md, "Errors"). Adapters translate their own failures (SQLSTATEs, HTTP statuses) into these.

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

export type DomainErrorCode =
  | "invalid"
  | "not-found"
  | "slot-taken"
  | "quota-exceeded"
  | "displacement-frozen"
  | "invalid-state"
  | "conflict"
  | "unauthenticated"
  | "forbidden"
  | "idempotency-mismatch"
  | "unavailable";

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  /** Extra members of the problem document (suggestions, holders, quota figures, field errors). */
  readonly extra: Record<string, unknown>;

  constructor(
    code: DomainErrorCode,
    message: string,
    extra: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "DomainError";
    this.code = code;
    this.extra = extra;
  }
}

export function invalid(errors: readonly FieldError[], message = "the request is invalid"): DomainError {
  return new DomainError("invalid", message, { errors });
}

export function notFound(what: string): DomainError {
  return new DomainError("not-found", `${what} was not found`);
}
