// The one door to /api/v1: bearer token from the session, JSON in and out, and every failure turned
// into an ApiError whose message is the problem's words (detail and per-field errors).

const TOKEN_KEY = "berth.token";

export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  save: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export interface FieldError {
  field: string;
  message: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(describeProblem(problem));
  }
  get status() {
    return this.problem.status;
  }
  /** The last segment of the problem type: `slot-taken`, `quota-exceeded`, ... */
  get kind() {
    return (this.problem.type ?? "").split("/").pop() ?? "";
  }
}

export function describeProblem(p: Problem): string {
  const head = p.detail || p.title || `The server answered ${p.status}`;
  const fields = (p.errors ?? []).map((e) => `${e.field}: ${e.message}`);
  return fields.length > 0 ? `${head} (${fields.join("; ")})` : head;
}

export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return `Could not reach Berth: ${err.message}`;
  return String(err);
}

type Query = Record<string, string | number | boolean | undefined>;

export function withQuery(path: string, query: Query = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export async function call<T>(
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE",
  path: string,
  body?: unknown,
  token: string | null = session.token(),
): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!res.ok) {
    const problem =
      parsed && typeof parsed === "object"
        ? ({ status: res.status, ...(parsed as object) } as Problem)
        : { status: res.status, detail: `${res.status} ${res.statusText}` };
    throw new ApiError(problem);
  }
  return parsed as T;
}

export const get = <T>(path: string, query?: Query) => call<T>("GET", withQuery(path, query));

/** Every page of a cursor-paged list, up to `max` items. */
export async function getAll<T>(path: string, query: Query = {}, max = 2_000): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await get<{ items: T[]; nextCursor?: string }>(path, { ...query, limit: 500, cursor });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && out.length < max);
  return out;
}
