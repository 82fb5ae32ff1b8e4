// The CLI's HTTP client of the REST API: BERTH_URL / BERTH_TOKEN or --url / --token, problem+json
// turned into one readable line, and an action wrapper that prints that line and exits non-zero.
import { type Command, InvalidArgumentError } from "commander";

export class CliError extends Error {}

export interface ClientOptions {
  readonly url?: string;
  readonly token?: string;
  readonly json?: boolean;
}

/** Adds the options every API command shares; usage errors stay one line (no help dump). */
export function clientOptions(cmd: Command): Command {
  return cmd
    .showHelpAfterError(false)
    .option("--url <url>", "Berth server (default $BERTH_URL or http://127.0.0.1:8080)")
    .option("--token <token>", "API token (default $BERTH_TOKEN)")
    .option("--json", "machine-readable output");
}

export class ApiClient {
  readonly base: string;
  readonly #token: string | undefined;
  constructor(opts: ClientOptions, env: Record<string, string | undefined> = process.env) {
    this.base = (opts.url ?? env.BERTH_URL ?? "http://127.0.0.1:8080").replace(/\/+$/, "");
    this.#token = opts.token ?? env.BERTH_TOKEN;
  }

  async request(method: string, path: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await fetch(`${this.base}/api/v1${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      throw new CliError(`cannot reach ${this.base}: ${(err as Error).cause ?? (err as Error).message}`);
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {}
    if (!res.ok) throw new CliError(describeProblem(res.status, parsed));
    return parsed;
  }
}

function describeProblem(status: number, body: unknown): string {
  if (typeof body !== "object" || body === null) return `HTTP ${status}`;
  const p = body as {
    type?: string;
    detail?: string;
    errors?: { field: string; message: string }[];
    suggestions?: { start: string; end: string; pool: string; nodes: number; gpusPerNode: number }[];
  };
  const kind = p.type?.split("/").at(-1) ?? String(status);
  const fields = p.errors?.map((e) => `${e.field}: ${e.message}`).join("; ");
  const hint = p.suggestions?.[0]
    ? ` (try ${p.suggestions[0].pool} ${p.suggestions[0].nodes}x${p.suggestions[0].gpusPerNode} ${p.suggestions[0].start} to ${p.suggestions[0].end})`
    : "";
  return `${status} ${kind}: ${fields || p.detail || ""}${hint}`;
}

/** Runs a command body; a failure becomes one line on stderr and exit code 1. */
export function action<A extends unknown[]>(
  fn: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      const msg = err instanceof CliError ? err.message : (err as Error).message;
      process.stderr.write(`berth: ${msg.split("\n")[0]}\n`);
      process.exitCode = 1;
    }
  };
}

/** The booking grid (docs/rules.md §1): relative times are rounded down onto it. */
const GRID_MS = 15 * 60_000;

/**
 * Parses a time given as ISO 8601, or as `now`, `+2h`, `+30m`, `+1d` relative to now, the relative
 * forms rounded down to the 15-minute grid (a start inside the current step means "now").
 */
export function parseTime(text: string, now = Date.now()): string {
  const rel = /^\+(\d+)([mhd])$/.exec(text);
  if (text === "now") return new Date(Math.floor(now / GRID_MS) * GRID_MS).toISOString();
  if (rel) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as "m" | "h" | "d"];
    return new Date(Math.floor((now + Number(rel[1]) * unit) / GRID_MS) * GRID_MS).toISOString();
  }
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new CliError(`not a time: "${text}" (ISO 8601, now, +30m, +2h, +1d)`);
  return new Date(t).toISOString();
}

export function parseCount(name: string) {
  return (text: string): number => {
    if (!/^\d+$/.test(text)) throw new InvalidArgumentError(`--${name} must be a whole number`);
    return Number(text);
  };
}
