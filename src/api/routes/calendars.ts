// Calendar tokens of a team (create, list, revoke) and the iCalendar feed they read. The feed is the
// one route a calendar application calls: no bearer token, the calendar token in the query (kept
// out of request logs, which record the path only).
import type { OpenAPIRegistry } from "@asteasolutions/zod-to-openapi";
import type { Router } from "express";
import { z } from "zod";
import { DomainError } from "../../basics/domain-error.ts";
import { calendarFeed } from "../../services/calendars/calendar-feed.ts";
import {
  createCalendarToken,
  FEED_PATH,
  listCalendarTokens,
  revokeCalendarToken,
} from "../../services/calendars/calendar-tokens.ts";
import type { ServiceContext } from "../../services/context.ts";
import { endpoint, errorResponseDocs, noteRoute } from "../endpoint.ts";
import { NameParam } from "../schemas.ts";

const CalendarToken = z
  .object({
    id: z.string(),
    team: z.string(),
    name: z.string(),
    createdBy: z.string(),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi("CalendarToken");

const CalendarTokenCreated = CalendarToken.extend({
  token: z.string().openapi({ description: "The secret, shown once" }),
  url: z.string().openapi({ description: "The feed's path with the secret, to give a calendar application" }),
}).openapi("CalendarTokenCreated");

const CalendarTokenCreate = z
  .strictObject({ name: z.string().min(1).max(100).optional() })
  .openapi("CalendarTokenCreate");

const TokenOfTeam = z.strictObject({ name: z.string().max(63), id: z.string().max(100) });

const FeedQuery = z.strictObject({ token: z.string().min(1).max(200) });

export function calendarRoutes(router: Router, registry: OpenAPIRegistry, ctx: ServiceContext) {
  endpoint(router, registry, {
    method: "post",
    path: "/teams/:name/calendar-tokens",
    tag: "calendars",
    summary:
      "Create a read-only calendar token for the team's reservations feed (admin, or a member of the team)",
    params: NameParam,
    body: CalendarTokenCreate,
    secretInReply: true,
    responses: { 201: { description: "Created; the secret is shown once", schema: CalendarTokenCreated } },
    handler: async ({ params, body, principal }) => ({
      status: 201,
      body: await createCalendarToken(ctx, principal, params.name, body),
    }),
  });
  endpoint(router, registry, {
    method: "get",
    path: "/teams/:name/calendar-tokens",
    tag: "calendars",
    summary: "The team's calendar tokens (never their secrets)",
    params: NameParam,
    responses: {
      200: { description: "Tokens", schema: z.object({ items: z.array(CalendarToken) }) },
    },
    handler: async ({ params, principal }) => ({
      status: 200,
      body: { items: await listCalendarTokens(ctx, principal, params.name) },
    }),
  });
  endpoint(router, registry, {
    method: "delete",
    path: "/teams/:name/calendar-tokens/:id",
    tag: "calendars",
    summary: "Revoke a calendar token (idempotent)",
    params: TokenOfTeam,
    responses: { 200: { description: "Revoked", schema: CalendarToken } },
    handler: async ({ params, principal }) => ({
      status: 200,
      body: await revokeCalendarToken(ctx, principal, params.name, params.id),
    }),
  });

  const path = FEED_PATH.replace(/^\/api\/v1/, "");
  registry.registerPath({
    method: "get",
    path: FEED_PATH,
    summary: "A team's reservations as an iCalendar feed (RFC 5545), read with a calendar token",
    tags: ["calendars"],
    request: { query: FeedQuery as never },
    responses: {
      200: {
        description:
          "One VEVENT per reservation of the token's team (the last 30 days and all ahead), times in UTC; cancelled and displaced ones have STATUS:CANCELLED",
        content: { "text/calendar": { schema: z.string() } },
      },
      ...errorResponseDocs(),
    },
  });
  noteRoute(router, path, "get");
  router.get(path, async (req, res, next) => {
    try {
      const q = FeedQuery.safeParse(req.query);
      if (!q.success)
        throw new DomainError("unauthenticated", "the feed needs its calendar token: ?token=<secret>");
      const body = await calendarFeed(ctx, q.data.token);
      res
        .status(200)
        .set({
          "Content-Type": "text/calendar; charset=utf-8",
          "Content-Disposition": 'inline; filename="berth.ics"',
          "Cache-Control": "private, max-age=300",
        })
        .send(body);
    } catch (err) {
      next(err);
    }
  });
}
