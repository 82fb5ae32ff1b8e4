// /usage and /audit: what was booked, used and lent, and the append-only history (docs/rules.md §4).
import type { OpenAPIRegistry } from "@asteasolutions/zod-to-openapi";
import type { Router } from "express";
import { auditHistory } from "../../services/accounting/audit-history.ts";
import { usageReport } from "../../services/accounting/usage-report.ts";
import type { ServiceContext } from "../../services/context.ts";
import { endpoint } from "../endpoint.ts";
import { AuditPage, AuditQuery, Usage, UsageQuery } from "../schemas.ts";

export function accountingRoutes(router: Router, registry: OpenAPIRegistry, ctx: ServiceContext) {
  endpoint(router, registry, {
    method: "get",
    path: "/usage",
    tag: "accounting",
    summary: "GPU-hours booked, used and lent per team and pool (members: their own team)",
    query: UsageQuery,
    responses: { 200: { description: "Usage", schema: Usage } },
    handler: async ({ query, principal }) => ({
      status: 200,
      body: await usageReport(ctx, principal, query),
    }),
  });
  endpoint(router, registry, {
    method: "get",
    path: "/audit",
    tag: "accounting",
    summary: "The append-only audit history, oldest first (admins: all; members: their own team)",
    query: AuditQuery,
    responses: { 200: { description: "A page of entries", schema: AuditPage } },
    handler: async ({ query, principal }) => ({
      status: 200,
      body: await auditHistory(ctx, principal, query),
    }),
  });
}
