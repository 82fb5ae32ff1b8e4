// A real Berth HTTP server over a test database (PostgreSQL or PGlite), on a loopback port, with a
// clock the test sets. Tests talk to it with fetch, as the CLI and the UI do.

import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { afterAll, beforeAll } from "vitest";
import { createApp, DEFAULT_SECURITY, type SecuritySettings } from "../../src/api/app.ts";
import { createMetrics } from "../../src/api/metrics.ts";
import { DEFAULT_BOOKING_RULES } from "../../src/core/index.ts";
import { bootstrapAdmin } from "../../src/services/access/auth.ts";
import { createBookingState } from "../../src/services/booking/booking-state.ts";
import type { ServiceContext } from "../../src/services/context.ts";
import { putPool } from "../../src/services/inventory/pools.ts";
import { EventHub } from "../../src/services/notify/event-hub.ts";
import { type Backend, createTestDatabase, type TestDatabase } from "./database.ts";

export const ADMIN_TOKEN = "test-admin-token-0123456789abcdef";
/** A Tuesday, on the 15-minute grid. */
export const T0 = Date.parse("2026-12-01T12:00:00.000Z");
export const HOUR = 3_600_000;

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies
export type Reply = { status: number; body: any; headers: Headers };

export interface Harness {
  readonly url: string;
  readonly db: TestDatabase;
  readonly ctx: ServiceContext;
  readonly hub: EventHub;
  setNow(t: number): void;
  call(
    method: string,
    path: string,
    opts?: { token?: string | null; body?: unknown; headers?: Record<string, string>; raw?: string },
  ): Promise<Reply>;
  /** Creates a team and a member token for it; returns the secret. */
  team(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function startHarness(
  backend: Backend,
  options: {
    rateLimit?: number;
    /** Security settings of the app (token lifetimes, webhook ranges allowed, streams per token). */
    security?: Partial<SecuritySettings>;
    pools?: { name: string; nodes: number; gpusPerNode: number; cc?: string }[];
  } = {},
): Promise<Harness> {
  const db = await createTestDatabase(backend);
  let now = T0;
  const hub = new EventHub();
  const logger = pino({ level: process.env.BERTH_TEST_LOG ?? "silent" });
  const ctx: ServiceContext = {
    db: db.handle.db,
    dbKind: db.handle.kind,
    booking: createBookingState(),
    clock: { now: () => now },
    rules: DEFAULT_BOOKING_RULES,
    logger,
    changed: () => hub.poke(),
  };
  await bootstrapAdmin(ctx, { adminToken: ADMIN_TOKEN, dataDir: "/nonexistent" });
  const admin = {
    tokenId: "tok-admin-bootstrap",
    name: "bootstrap-admin",
    role: "admin" as const,
    team: null,
  };
  for (const p of options.pools ?? [{ name: "V100", nodes: 2, gpusPerNode: 4, cc: "7.0" }]) {
    await putPool(ctx, admin, {
      name: p.name,
      product: `Tesla-${p.name}`,
      computeCapability: p.cc ?? "7.0",
      gpusPerNode: p.gpusPerNode,
      nodes: p.nodes,
    });
  }
  const { app } = createApp({
    ctx,
    hub,
    metrics: createMetrics(),
    logger,
    rateLimit: options.rateLimit ?? 0,
    bodyLimit: "64kb",
    security: { ...DEFAULT_SECURITY, ...options.security },
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call: Harness["call"] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    const token = opts.token === undefined ? ADMIN_TOKEN : opts.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined = opts.raw;
    if (opts.body !== undefined) body = JSON.stringify(opts.body);
    if (body !== undefined) headers["content-type"] ??= "application/json";
    const res = await fetch(url + path, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return {
    url,
    db,
    ctx,
    hub,
    setNow: (t) => {
      now = t;
    },
    call,
    async team(name) {
      await call("POST", "/api/v1/teams", { body: { name } });
      const t = await call("POST", "/api/v1/tokens", {
        body: { team: name, role: "member", name: `${name}-member` },
      });
      return t.body.token as string;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await db.drop();
    },
  };
}

/**
 * A harness for one describe block: started with a member token per team before its tests, closed
 * after them. Read `h` and `tokens` inside the tests (they exist once `beforeAll` has run).
 */
export function useHarness<T extends string>(backend: Backend, teams: readonly T[]) {
  const env = { h: undefined as unknown as Harness, tokens: {} as Record<T, string> };
  beforeAll(async () => {
    env.h = await startHarness(backend);
    for (const t of teams) env.tokens[t] = await env.h.team(t);
  });
  afterAll(async () => env.h.close());
  return env;
}
