// application/problem+json (RFC 9457). The one place that maps domain error codes to HTTP statuses
// and problem types (docs/rules.md §4).
import type { ErrorRequestHandler, Response } from "express";
import type { Logger } from "pino";
import { DomainError, type DomainErrorCode, type FieldError } from "../basics/domain-error.ts";

export const PROBLEM_BASE = "https://berth.dev/problems/";

const BY_CODE: Record<DomainErrorCode, { status: number; type: string; title: string }> = {
  invalid: { status: 422, type: "invalid-request", title: "The request is invalid" },
  "not-found": { status: 404, type: "not-found", title: "Not found" },
  "slot-taken": { status: 409, type: "slot-taken", title: "The slots are taken" },
  "quota-exceeded": { status: 409, type: "quota-exceeded", title: "Quota exceeded" },
  "displacement-frozen": { status: 409, type: "displacement-frozen", title: "Displacement frozen" },
  "invalid-state": { status: 409, type: "invalid-state", title: "Not allowed in this state" },
  conflict: { status: 409, type: "conflict", title: "Conflict" },
  unauthenticated: { status: 401, type: "unauthenticated", title: "Authentication required" },
  forbidden: { status: 403, type: "forbidden", title: "Forbidden" },
  "idempotency-mismatch": { status: 422, type: "idempotency-key-reused", title: "Idempotency-Key reused" },
  unavailable: { status: 503, type: "unavailable", title: "Unavailable" },
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  [extra: string]: unknown;
}

export function sendProblem(res: Response, problem: Problem, headers: Record<string, string> = {}) {
  res.status(problem.status).set(headers).type("application/problem+json").send(JSON.stringify(problem));
}

export function problemOf(err: DomainError): Problem {
  const m = BY_CODE[err.code];
  return { type: PROBLEM_BASE + m.type, title: m.title, status: m.status, detail: err.message, ...err.extra };
}

/** 400: the request does not match the schema (malformed JSON, wrong types, unknown fields). */
export function badRequest(detail: string, errors: FieldError[]): Problem {
  return { type: `${PROBLEM_BASE}bad-request`, title: "Malformed request", status: 400, detail, errors };
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) return;
    if (err instanceof DomainError) return sendProblem(res, problemOf(err));
    // body-parser's own errors carry `type` and `status`.
    const type = (err as { type?: string }).type;
    if (type === "entity.parse.failed") {
      return sendProblem(
        res,
        badRequest("the body is not valid JSON", [{ field: "body", message: "malformed JSON" }]),
      );
    }
    if (type === "entity.too.large") {
      return sendProblem(res, {
        type: `${PROBLEM_BASE}too-large`,
        title: "Body too large",
        status: 413,
        detail: "the request body is larger than the server accepts",
      });
    }
    const status = (err as { status?: number }).status;
    if (typeof status === "number" && status >= 400 && status < 500) {
      return sendProblem(
        res,
        badRequest(String((err as Error).message), [
          { field: "body", message: String((err as Error).message) },
        ]),
      );
    }
    // Once: the request's own logger (with its request id) when there is one, else the root logger.
    ((req as { log?: Logger }).log ?? logger).error({ err }, "unhandled error");
    sendProblem(res, {
      type: `${PROBLEM_BASE}internal`,
      title: "Internal error",
      status: 500,
      detail: "the server failed; the request id in the log tells what happened",
    });
  };
}
