// Makes the generated OpenAPI document say what the server accepts where the zod schemas cannot
// say it themselves, so a client (or a fuzzer) that keeps to the document is never refused as
// malformed:
//  - request strings carry the input guard's rule (src/api/input-guard.ts: no C0 control
//    characters but tab, line feed and carriage return) as a `pattern`, and so do the names of
//    free-form objects' fields (`propertyNames`). The pattern lives only in the document: the
//    guard checks every request once, before routing, and also refuses what a pattern cannot
//    express (unpaired surrogates, deep nesting).
//  - tuples (`prefixItems`) get the exact length zod checks.
// Response schemas are left alone: what Berth relays from a cluster may hold such characters.

type Json = Record<string, unknown>;

export const NO_CONTROL_CHARACTERS = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$";

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Tightens `schema` in place; `$ref`s into components are followed once (`seen`). */
function tightenRequest(schema: unknown, components: Json, seen: Set<string>): void {
  if (Array.isArray(schema)) {
    for (const s of schema) tightenRequest(s, components, seen);
    return;
  }
  if (!isObject(schema)) return;
  const ref = schema.$ref;
  if (typeof ref === "string" && ref.startsWith("#/components/schemas/")) {
    const name = ref.slice("#/components/schemas/".length);
    if (!seen.has(name)) {
      seen.add(name);
      tightenRequest(components[name], components, seen);
    }
  }
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes("string") && !("pattern" in schema) && !("enum" in schema) && !("format" in schema))
    schema.pattern = NO_CONTROL_CHARACTERS;
  if (types.includes("object") && schema.additionalProperties !== false && !("propertyNames" in schema))
    schema.propertyNames = { pattern: NO_CONTROL_CHARACTERS };
  for (const [key, value] of Object.entries(schema)) {
    if (key === "propertyNames" || key === "examples" || key === "example" || key === "default") continue;
    if (key === "properties" && isObject(value)) {
      for (const [name, v] of Object.entries(value)) {
        if (isAnyValue(v)) value[name] = { ...v, $ref: JSON_VALUE_REF };
        else tightenRequest(v, components, seen);
      }
    } else if ((key === "additionalProperties" || key === "items") && isAnyValue(value))
      schema[key] = { ...value, $ref: JSON_VALUE_REF };
    else tightenRequest(value, components, seen);
  }
}

const JSON_VALUE_REF = "#/components/schemas/JsonValue";

/** A schema that admits any JSON (zod's `unknown`): only annotations, no constraint. */
function isAnyValue(v: unknown): v is Json {
  return isObject(v) && Object.keys(v).every((k) => k === "description" || k === "title");
}

/** Any JSON the input guard lets through, at any depth: free text and names without control characters. */
const JSON_VALUE = {
  description:
    "Any JSON value; strings and field names without control characters (tab, line feed and carriage return excepted)",
  anyOf: [
    { type: "string", pattern: NO_CONTROL_CHARACTERS },
    { type: "number" },
    { type: "boolean" },
    { type: "null" },
    { type: "array", items: { $ref: JSON_VALUE_REF } },
    {
      type: "object",
      propertyNames: { pattern: NO_CONTROL_CHARACTERS },
      additionalProperties: { $ref: JSON_VALUE_REF },
    },
  ],
};

function exactTuples(schema: unknown): void {
  if (Array.isArray(schema)) {
    for (const s of schema) exactTuples(s);
    return;
  }
  if (!isObject(schema)) return;
  if (Array.isArray(schema.prefixItems) && !("items" in schema)) {
    schema.minItems ??= schema.prefixItems.length;
    schema.maxItems ??= schema.prefixItems.length;
  }
  for (const value of Object.values(schema)) exactTuples(value);
}

/** The document, tightened in place and returned. */
export function exactDocument(doc: Json): Json {
  const components = (
    isObject(doc.components) && isObject(doc.components.schemas) ? doc.components.schemas : {}
  ) as Json;
  const seen = new Set<string>();
  for (const item of Object.values(isObject(doc.paths) ? doc.paths : {})) {
    if (!isObject(item)) continue;
    for (const op of Object.values(item)) {
      if (!isObject(op)) continue;
      for (const p of Array.isArray(op.parameters) ? op.parameters : [])
        if (isObject(p)) tightenRequest(p.schema, components, seen);
      const body = isObject(op.requestBody) ? op.requestBody.content : undefined;
      if (isObject(body))
        for (const media of Object.values(body))
          if (isObject(media)) tightenRequest(media.schema, components, seen);
    }
  }
  components.JsonValue = JSON_VALUE;
  exactTuples(doc);
  return doc;
}
