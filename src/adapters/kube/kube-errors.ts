// Translates Kubernetes API failures into domain errors, once, at the adapter boundary
// (docs/architecture.md, "Errors"). @kubernetes/client-node 2.x throws an ApiException with a numeric `code`
// (the HTTP status) and the Status object as a JSON string in `body`; network failures have neither.
import { DomainError, type DomainErrorCode } from "../../basics/domain-error.ts";

export interface KubeStatus {
  /** HTTP status, absent for a failure below HTTP (refused connection, TLS, timeout). */
  readonly code?: number;
  /** The Status object's machine-readable reason, e.g. "AlreadyExists", "Expired", "Forbidden". */
  readonly reason?: string;
  readonly message?: string;
}

export function kubeStatus(err: unknown): KubeStatus {
  if (typeof err !== "object" || err === null) return {};
  const e = err as { code?: unknown; statusCode?: unknown; body?: unknown };
  const code =
    typeof e.code === "number" ? e.code : typeof e.statusCode === "number" ? e.statusCode : undefined;
  let body: unknown = e.body;
  if (typeof body === "string") {
    try {
      body = JSON.parse(body);
    } catch {
      body = undefined;
    }
  }
  const status = (typeof body === "object" && body !== null ? body : {}) as {
    reason?: unknown;
    message?: unknown;
  };
  return {
    ...(code !== undefined ? { code } : {}),
    ...(typeof status.reason === "string" ? { reason: status.reason } : {}),
    ...(typeof status.message === "string" ? { message: status.message } : {}),
  };
}

export const isAlreadyExists = (err: unknown) =>
  kubeStatus(err).code === 409 && kubeStatus(err).reason !== "Conflict";
export const isNotFound = (err: unknown) => kubeStatus(err).code === 404;
/** The resourceVersion a watch asked for is older than etcd keeps: list again. */
export const isGone = (err: unknown) => kubeStatus(err).code === 410;

function codeFor(status: KubeStatus): DomainErrorCode {
  switch (status.code) {
    case 400:
    case 422:
      return "invalid";
    case 401:
      return "unauthenticated";
    case 403:
      return "forbidden";
    case 404:
      return "not-found";
    case 409:
      return "conflict";
    default:
      // 429, 5xx and failures below HTTP: the cluster is not answering well right now.
      return "unavailable";
  }
}

/** `doing` says what was attempted, e.g. "creating Job berth-j-1-1 in team-a". */
export function translateKubeError(err: unknown, doing: string): DomainError {
  if (err instanceof DomainError) return err;
  const status = kubeStatus(err);
  const detail =
    status.message ??
    (status.code === undefined && err instanceof Error ? err.message : `HTTP ${status.code}`);
  return new DomainError(
    codeFor(status),
    `Kubernetes refused ${doing}: ${detail}`,
    { kubernetes: { status: status.code ?? null, reason: status.reason ?? null } },
    { cause: err },
  );
}
