// /teams, quotas and remaining quota, /tokens.
import type { OpenAPIRegistry } from "@asteasolutions/zod-to-openapi";
import type { Router } from "express";
import { z } from "zod";
import type { Priority } from "../../core/types.ts";
import {
  createToken,
  DEFAULT_TOKEN_POLICY,
  listTokens,
  revokeToken,
  type TokenPolicy,
} from "../../services/access/auth.ts";
import { createTeam, getTeam, listTeams, quotaReport, setQuotas } from "../../services/access/teams.ts";
import type { ServiceContext } from "../../services/context.ts";
import { endpoint } from "../endpoint.ts";
import { IdParam, NameParam, QuotaPut, Team, TeamCreate, TokenCreate, TokenCreated } from "../schemas.ts";

export function teamRoutes(
  router: Router,
  registry: OpenAPIRegistry,
  ctx: ServiceContext,
  tokenPolicy: TokenPolicy = DEFAULT_TOKEN_POLICY,
) {
  endpoint(router, registry, {
    method: "post",
    path: "/teams",
    tag: "teams",
    summary: "Create a team (admin)",
    body: TeamCreate,
    responses: { 201: { description: "Created", schema: Team }, 409: { description: "Exists" } },
    handler: async ({ body, principal }) => ({ status: 201, body: await createTeam(ctx, principal, body) }),
  });
  endpoint(router, registry, {
    method: "get",
    path: "/teams",
    tag: "teams",
    summary: "Teams",
    responses: { 200: { description: "Teams", schema: z.object({ items: z.array(Team) }) } },
    handler: async () => ({ status: 200, body: { items: await listTeams(ctx) } }),
  });
  endpoint(router, registry, {
    method: "get",
    path: "/teams/:name",
    tag: "teams",
    summary: "One team",
    params: NameParam,
    responses: { 200: { description: "The team", schema: Team } },
    handler: async ({ params }) => ({ status: 200, body: await getTeam(ctx, params.name) }),
  });
  endpoint(router, registry, {
    method: "put",
    path: "/teams/:name/quotas",
    tag: "teams",
    summary: "Set GPU-hours per week per priority and the concurrent-GPU cap (admin)",
    params: NameParam,
    body: QuotaPut,
    responses: { 200: { description: "Quotas and use this week" } },
    handler: async ({ params, body, principal }) => {
      const { maxGpus, ...perPriority } = body;
      return {
        status: 200,
        body: await setQuotas(ctx, principal, params.name, {
          perPriority: perPriority as Partial<Record<Priority, number>>,
          maxGpus,
        }),
      };
    },
  });
  endpoint(router, registry, {
    method: "get",
    path: "/teams/:name/quotas",
    tag: "teams",
    summary: "Quotas, use and what is left in the current UTC ISO week",
    params: NameParam,
    responses: { 200: { description: "Quota report" } },
    handler: async ({ params }) => ({ status: 200, body: await quotaReport(ctx, params.name) }),
  });
  endpoint(router, registry, {
    method: "post",
    path: "/tokens",
    tag: "tokens",
    summary: "Create an API token; the secret is shown once",
    secretInReply: true,
    body: TokenCreate,
    responses: { 201: { description: "Created", schema: TokenCreated } },
    handler: async ({ body, principal }) => ({
      status: 201,
      body: await createToken(ctx, principal, body, tokenPolicy),
    }),
  });
  endpoint(router, registry, {
    method: "get",
    path: "/tokens",
    tag: "tokens",
    summary: "Tokens (admins: all; members: their team's), never their secrets",
    responses: { 200: { description: "Tokens" } },
    handler: async ({ principal }) => ({ status: 200, body: { items: await listTokens(ctx, principal) } }),
  });
  endpoint(router, registry, {
    method: "delete",
    path: "/tokens/:id",
    tag: "tokens",
    summary: "Revoke a token",
    params: IdParam,
    responses: { 200: { description: "Revoked" } },
    handler: async ({ params, principal }) => {
      await revokeToken(ctx, principal, params.id);
      return { status: 200, body: { id: params.id, revoked: true } };
    },
  });
  endpoint(router, registry, {
    method: "get",
    path: "/whoami",
    tag: "tokens",
    summary: "The caller's identity",
    responses: { 200: { description: "Principal" } },
    handler: async ({ principal }) => ({
      status: 200,
      body: { name: principal.name, role: principal.role, team: principal.team },
    }),
  });
}
