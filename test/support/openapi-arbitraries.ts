// fast-check arbitraries built from the server's own OpenAPI document: requests that are mostly
// shaped like valid ones (so they reach deep into the handlers), with wrong types, missing and
// unknown fields and arbitrary JSON mixed in.
import fc from "fast-check";

type Schema = Record<string, unknown>;

export interface Hints {
  readonly times: readonly string[];
  readonly names: readonly string[];
}

function resolve(doc: Schema, s: Schema): Schema {
  const ref = s.$ref as string | undefined;
  if (!ref) return s;
  const name = ref.split("/").at(-1)!;
  return resolve(doc, ((doc.components as Schema).schemas as Schema)[name] as Schema);
}

/**
 * What a hostile client sends: control characters (NUL, escape, DEL), Unicode format characters
 * (bidi overrides, zero-width), numbers at the edges of doubles, and nesting far past any schema.
 */
export const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc
    .tuple(
      fc.string({ maxLength: 4 }),
      fc.constantFrom("\u0000", "\u001b[2J", "\u007f", "\u202e", "\u200b", "\ufeff", "\ud800"),
    )
    .map(([a, b]) => a + b),
  fc.constantFrom(1e308, -1e308, 7.9e307, Number.MAX_SAFE_INTEGER * 1024, -0, 5e-324, 1e21),
  fc.integer({ min: 33, max: 200 }).map((depth) => {
    let v: unknown = 1;
    for (let i = 0; i < depth; i++) v = [v];
    return v;
  }),
);

export function arbitraryFor(doc: Schema, raw: Schema, hints: Hints, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(doc, raw);
  const wild = fc.oneof(fc.constant(null), fc.integer(), fc.string({ maxLength: 8 }), fc.boolean(), hostile);
  const valid = ((): fc.Arbitrary<unknown> => {
    if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
    if (Array.isArray(s.anyOf))
      return fc.oneof(...(s.anyOf as Schema[]).map((x) => arbitraryFor(doc, x, hints, depth + 1)));
    switch (s.type) {
      case "string":
        if (s.format === "date-time") return fc.constantFrom(...hints.times);
        if (s.pattern) return fc.constantFrom(...hints.names);
        return fc.oneof(fc.constantFrom(...hints.names), fc.string({ maxLength: 12 }));
      case "integer":
        return fc.oneof(fc.integer({ min: -2, max: 10 }), fc.integer({ min: -1e9, max: 1e9 }));
      case "number":
        return fc.oneof(fc.double({ noNaN: true, min: -10, max: 100 }), fc.constant(0));
      case "boolean":
        return fc.boolean();
      case "array":
        return depth > 3
          ? fc.constant([])
          : fc.array(arbitraryFor(doc, (s.items ?? {}) as Schema, hints, depth + 1), { maxLength: 3 });
      case "object": {
        const props = (s.properties ?? {}) as Record<string, Schema>;
        const required = new Set((s.required ?? []) as string[]);
        if (Object.keys(props).length === 0 || depth > 3)
          return fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 });
        const entries = Object.entries(props).map(([k, v]) =>
          fc.option(
            arbitraryFor(doc, v, hints, depth + 1).map((x) => [k, x] as const),
            { freq: required.has(k) ? 10 : 2 },
          ),
        );
        return fc
          .tuple(fc.tuple(...entries), fc.option(fc.constant(["surprise", 1] as const), { freq: 10 }))
          .map(([es, extra]) =>
            Object.fromEntries([...es, extra].filter((e): e is readonly [string, unknown] => e !== null)),
          );
      }
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  })();
  return fc.oneof({ weight: 12, arbitrary: valid }, { weight: 1, arbitrary: wild });
}

export interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  readonly tokenIndex: number;
}

export function requestArbitrary(
  doc: Schema,
  hints: Hints & { ids: readonly string[] },
  skip: (path: string, method: string) => boolean,
) {
  const ops: fc.Arbitrary<FuzzRequest>[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Schema>>)) {
    for (const [method, op] of Object.entries(item)) {
      if (skip(path, method)) continue;
      const params = (op.parameters ?? []) as { name: string; in: string; schema: Schema }[];
      const pathParams = params.filter((p) => p.in === "path");
      const queryParams = params.filter((p) => p.in === "query");
      const bodySchema = (
        (op.requestBody as Schema | undefined)?.content as Record<string, { schema: Schema }> | undefined
      )?.["application/json"]?.schema;
      const pathArb = fc
        .tuple(
          ...pathParams.map(() =>
            fc.oneof(
              fc.constantFrom(...hints.ids, ...hints.names),
              fc.string({ minLength: 1, maxLength: 6 }),
              fc.constantFrom("a\u0000b", "\u001b", "%ZZ"),
            ),
          ),
        )
        .map((vals) => {
          let p = path;
          for (const [i, pp] of pathParams.entries())
            p = p.replace(`{${pp.name}}`, encodeURIComponent(String(vals[i])));
          return p;
        });
      const queryArb = fc
        .tuple(...queryParams.map((q) => fc.option(arbitraryFor(doc, q.schema, hints), { freq: 2 })))
        .map((vals) => {
          const qs = new URLSearchParams();
          queryParams.forEach((q, i) => {
            if (vals[i] !== null && vals[i] !== undefined)
              qs.set(q.name, typeof vals[i] === "string" ? (vals[i] as string) : JSON.stringify(vals[i]));
          });
          return qs.toString();
        });
      const bodyArb = bodySchema
        ? fc.oneof(
            { weight: 8, arbitrary: arbitraryFor(doc, bodySchema, hints) },
            { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
          )
        : fc.constant(undefined);
      ops.push(
        fc
          .record({ p: pathArb, q: queryArb, body: bodyArb, tokenIndex: fc.nat(3) })
          .map(({ p, q, body, tokenIndex }) => ({
            method: method.toUpperCase(),
            path: q ? `${p}?${q}` : p,
            body,
            tokenIndex,
          })),
      );
    }
  }
  return fc.oneof(...ops);
}
