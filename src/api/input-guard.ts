// One rule for every request, before routing: no C0 control characters (tab, line feed and carriage
// return excepted, for free text), no unpaired UTF-16 surrogates and no nesting deeper than MAX_DEPTH, in the path, the query and
// the parsed JSON body. A NUL reaches PostgreSQL as an error (text cannot hold it) and a deeply
// nested `spec` overflows the stack of every recursive walker after this point (zod, JSON.stringify,
// jsonb), so both are refused here as a 400 naming the field (docs/rules.md §4), once, for all routes.
import type { RequestHandler } from "express";
import type { FieldError } from "../basics/domain-error.ts";
import { badRequest, sendProblem } from "./problem.ts";

export const MAX_DEPTH = 32;

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** A UTF-16 surrogate without its pair: not a character, and jsonb refuses its escape (a 500). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function controlIn(s: string): boolean {
  return CONTROL.test(s) || LONE_SURROGATE.test(s);
}

/**
 * The first bad spot in a JSON value: a control character in a key or a string, or nesting beyond
 * MAX_DEPTH. Iterative (an explicit stack), so the check itself cannot overflow.
 */
export function findBadJson(value: unknown, root: string): FieldError | undefined {
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: value, path: root, depth: 0 }];
  while (stack.length > 0) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === "string") {
      if (controlIn(v)) return { field: path, message: "control characters are not accepted" };
      continue;
    }
    if (v === null || typeof v !== "object") continue;
    if (depth >= MAX_DEPTH) return { field: path, message: `nested more than ${MAX_DEPTH} levels deep` };
    const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
    for (const [k, x] of entries) {
      const at = path ? `${path}.${k}` : k;
      if (controlIn(k)) return { field: at, message: "control characters are not accepted in names" };
      stack.push({ v: x, path: at, depth: depth + 1 });
    }
  }
  return undefined;
}

function badPath(rawPath: string): FieldError | undefined {
  for (const segment of rawPath.split("/")) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return { field: "path", message: "malformed percent-encoding" };
    }
    if (controlIn(decoded)) return { field: "path", message: "control characters are not accepted" };
  }
  return undefined;
}

export function inputGuard(): RequestHandler {
  return (req, res, next) => {
    const bad =
      badPath(req.path) ??
      findBadJson(req.query, "") ??
      (req.body === undefined ? undefined : findBadJson(req.body, ""));
    if (!bad) return next();
    // `field` is the top-level name, as for every other schema refusal (src/api/endpoint.ts); the
    // message carries the dotted path to the spot.
    const where = bad.field || "body";
    const field = where.split(".")[0]!;
    sendProblem(
      res,
      badRequest(`${where}: ${bad.message}`, [{ field, message: `${where}: ${bad.message}` }]),
    );
  };
}
