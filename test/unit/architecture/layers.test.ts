// The layering the code relies on, checked on the source itself so a change that breaks it fails
// here rather than in review: SQL lives only in the database adapter (its repositories), services
// reach the database only through repositories, routes only through services, and the core
// imports nothing but itself and the neutral basics.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../../..");
const SRC = join(ROOT, "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith(".ts") ? [p] : [];
  });
}

const files = sourceFiles(SRC).map((p) => ({ path: relative(ROOT, p), text: readFileSync(p, "utf8") }));

/** Module specifiers of value (not type-only) imports. */
function valueImports(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^import\s+(type\s+)?[\s\S]*?from\s+"([^"]+)";/gm)) {
    if (!m[1]) out.push(m[2] as string);
  }
  return out;
}

function allImports(text: string): string[] {
  return [...text.matchAll(/^import\s+[\s\S]*?from\s+"([^"]+)";/gm)].map((m) => m[1] as string);
}

const SQL =
  /\b(selectFrom|insertInto|updateTable|deleteFrom|selectNoFrom|replaceInto|mergeInto)\(|\bsql(<[^>]*>)?`/;

describe("layers", () => {
  it("has SQL only in the database adapter", () => {
    const offenders = files
      .filter((f) => !f.path.startsWith("src/adapters/db/"))
      .filter((f) => SQL.test(f.text) || valueImports(f.text).includes("kysely"))
      .map((f) => f.path);
    expect(offenders).toEqual([]);
  });

  it("lets services reach the database only through repositories", () => {
    const direct =
      /^(kysely|pg|@electric-sql\/pglite.*)$|adapters\/db\/(connect|migrate|prepared-statements)\.ts$/;
    const offenders = files
      .filter((f) => f.path.startsWith("src/services/"))
      .flatMap((f) =>
        valueImports(f.text)
          .filter((s) => direct.test(s))
          .map((s) => `${f.path} -> ${s}`),
      );
    expect(offenders).toEqual([]);
  });

  it("lets routes and middleware call services, never the database layer", () => {
    const offenders = files
      .filter((f) => f.path.startsWith("src/api/"))
      .flatMap((f) =>
        allImports(f.text)
          .filter((s) => s.includes("adapters/db/") || s === "kysely" || s === "pg")
          .map((s) => `${f.path} -> ${s}`),
      );
    expect(offenders).toEqual([]);
  });

  it("points comments only inside the repository (the rules live in docs/)", () => {
    const outside = /\b(CONTRACTS|CONVENTIONS|K8S-TESTBED)\b|DESIGN\.md|STACK\.md|\bissue \d+/;
    const offenders = files.filter((f) => outside.test(f.text)).map((f) => f.path);
    expect(offenders).toEqual([]);
  });

  it("keeps the core pure: it imports only itself and the neutral basics", () => {
    const offenders = files
      .filter((f) => f.path.startsWith("src/core/"))
      .flatMap((f) =>
        allImports(f.text)
          .filter((s) => !(s.startsWith("./") || s.startsWith("../../basics/") || s.startsWith("../basics/")))
          .map((s) => `${f.path} -> ${s}`),
      );
    expect(offenders).toEqual([]);
  });
});
