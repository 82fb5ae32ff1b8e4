// One declaration per endpoint: the same zod schemas validate the request and describe it in the
// OpenAPI document. Schema mismatches are 400 with the offending top-level field (docs/rules.md §4).
import type { OpenAPIRegistry, RouteConfig } from "@asteasolutions/zod-to-openapi";
import type { Request, RequestHandler, Response, Router } from "express";
import type { Logger } from "pino";
import type { ZodType, z } from "zod";
import { DomainError, type FieldError, invalid } from "../basics/domain-error.ts";
import type { Principal } from "../services/context.ts";
import { badRequest, problemOf, sendProblem } from "./problem.ts";
import { Problem } from "./schemas.ts";

export interface Call<B, Q, P> {
  readonly req: Request;
  readonly res: Response;
  readonly principal: Principal;
  readonly body: B;
  readonly query: Q;
  readonly params: P;
  readonly log: Logger;
}

export interface Reply {
  readonly status: number;
  readonly body: unknown;
}

export interface EndpointSpec<B extends ZodType, Q extends ZodType, P extends ZodType> {
  readonly method: "get" | "post" | "put" | "patch" | "delete";
  /** Express path, e.g. `/reservations/:id`. */
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  readonly body?: B;
  readonly query?: Q;
  readonly params?: P;
  readonly responses: Record<number, { description: string; schema?: ZodType }>;
  /** The reply shows a secret once: an Idempotency-Key retry must not replay it (src/api/idempotency.ts). */
  readonly secretInReply?: boolean;
  /** Unauthenticated endpoints (none of /api/v1 today) set this to false. */
  readonly auth?: boolean;
  readonly handler: (call: Call<z.infer<B>, z.infer<Q>, z.infer<P>>) => Promise<Reply>;
}

function fieldErrors(issues: readonly z.core.$ZodIssue[], fallback: string): FieldError[] {
  return issues.flatMap((i) => {
    if (i.code === "unrecognized_keys") return i.keys.map((k) => ({ field: k, message: "unknown field" }));
    const top = i.path[0];
    return [{ field: top === undefined ? fallback : String(top), message: i.message }];
  });
}

/**
 * Issues about a value of the right type (out of range, not one of the allowed words): the request
 * is well-formed but invalid, a 422 (docs/rules.md §4). Wrong types, unknown and missing fields stay 400.
 */
const VALUE_ISSUES = new Set(["too_small", "too_big", "invalid_value", "not_multiple_of"]);

function validate<T extends ZodType>(schema: T | undefined, value: unknown, where: string): z.infer<T> {
  if (!schema) return undefined as z.infer<T>;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const errors = fieldErrors(parsed.error.issues, where);
  const onlyValues = parsed.error.issues.every((i) => VALUE_ISSUES.has(i.code));
  throw Object.assign(new Error(`invalid ${where}`), {
    problem: onlyValues
      ? problemOf(invalid(errors, `the ${where} has values out of range`))
      : badRequest(`the ${where} does not match the schema`, errors),
  });
}

const errorResponses = {
  400: "Does not match the schema: bad JSON, a wrong type, a missing or unknown field, a time or name in the wrong format, control characters, deep nesting (docs/rules.md §4)",
  401: "Missing, invalid, revoked or expired bearer token",
  403: "Not allowed for this token",
  404: "No such resource",
  409: "Conflicts with the current state",
  413: "Request body larger than the server accepts (BERTH_BODY_LIMIT)",
  422: "Matches the schema's types but a value is refused: out of its range or not an allowed word, or a rule no schema states (end before start, off the grid, in the past, an unknown pool or team, a shape too big; docs/rules.md §4)",
  429: "Rate-limited",
};

/** The error answers every operation may give, as OpenAPI responses (problem+json). */
export function errorResponseDocs(): NonNullable<RouteConfig["responses"]> {
  return Object.fromEntries(
    Object.entries(errorResponses).map(([status, description]) => [
      status,
      { description, content: { "application/problem+json": { schema: Problem } } },
    ]),
  );
}

/** Methods served per path of each router, so other methods get a 405 (refuseOtherMethods). */
const served = new WeakMap<Router, Map<string, Set<string>>>();

/** Records that `router` serves `method` on `path` (routes registered without endpoint()). */
export function noteRoute(router: Router, path: string, method: string): void {
  const paths = served.get(router) ?? new Map<string, Set<string>>();
  served.set(router, paths);
  const methods = paths.get(path) ?? new Set<string>();
  paths.set(path, methods);
  methods.add(method.toUpperCase());
  if (method.toUpperCase() === "GET") methods.add("HEAD");
}

/**
 * After every route: a known path asked with another method (TRACE, a PUT where only GET is
 * served) is a 405 with `Allow`, not a 404 (RFC 9110 §15.5.6).
 */
export function refuseOtherMethods(router: Router): void {
  for (const [path, methods] of served.get(router) ?? []) {
    const allow = [...methods].sort().join(", ");
    router.all(path, (req, res, next) => {
      if (methods.has(req.method)) return next();
      sendProblem(
        res,
        {
          type: "https://berth.dev/problems/method-not-allowed",
          title: "Method not allowed",
          status: 405,
          detail: `${req.method} is not served here; use ${allow}`,
        },
        { Allow: allow },
      );
    });
  }
}

export function endpoint<B extends ZodType, Q extends ZodType, P extends ZodType>(
  router: Router,
  registry: OpenAPIRegistry,
  spec: EndpointSpec<B, Q, P>,
) {
  const openapiPath = `/api/v1${spec.path.replace(/:(\w+)/g, "{$1}")}`;
  const responses: RouteConfig["responses"] = {};
  for (const [status, r] of Object.entries(spec.responses)) {
    responses[status] = r.schema
      ? { description: r.description, content: { "application/json": { schema: r.schema } } }
      : { description: r.description };
  }
  for (const [status, declared] of Object.entries(errorResponseDocs())) responses[status] ??= declared;
  registry.registerPath({
    method: spec.method,
    path: openapiPath,
    summary: spec.summary,
    tags: [spec.tag],
    ...(spec.auth === false ? {} : { security: [{ bearer: [] }] }),
    request: {
      ...(spec.body
        ? { body: { content: { "application/json": { schema: spec.body } }, required: true } }
        : {}),
      ...(spec.query ? { query: spec.query as never } : {}),
      ...(spec.params ? { params: spec.params as never } : {}),
    },
    responses,
  });
  const handler: RequestHandler = async (req, res, next) => {
    try {
      const principal = res.locals.principal as Principal | undefined;
      if (spec.auth !== false && !principal)
        throw new DomainError("unauthenticated", "a bearer token is required");
      if (spec.body && req.body === undefined)
        throw Object.assign(new Error("no body"), {
          problem: badRequest("this operation needs a JSON body", [{ field: "body", message: "required" }]),
        });
      const body = validate(spec.body, req.body, "body");
      const query = validate(spec.query, req.query, "query");
      const params = validate(spec.params, req.params, "path");
      const reply = await spec.handler({
        req,
        res,
        principal: principal!,
        body,
        query,
        params,
        log: (req as unknown as { log: Logger }).log,
      });
      if (spec.secretInReply) res.locals.secretInReply = true;
      res.status(reply.status).json(reply.body);
    } catch (err) {
      const problem = (err as { problem?: ReturnType<typeof badRequest> }).problem;
      if (problem) return sendProblem(res, problem);
      next(err);
    }
  };
  router[spec.method](spec.path, handler);
  noteRoute(router, spec.path, spec.method);
}
