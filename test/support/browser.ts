// Browser tests: Debian's Chromium driven by playwright-core (never a downloaded browser), a real
// `berth serve` on embedded defaults (PGlite, simulated demo cluster), and people made through the
// REST API exactly as an admin would.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type BrowserContextOptions, chromium, type Page } from "playwright-core";
import { type BerthProcess, startBerthProcess } from "./berth-process.ts";

export const CHROMIUM = process.env.BERTH_CHROMIUM ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
export const SCREENSHOTS = ".berth/screenshots";

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export interface UiServer {
  readonly url: string;
  readonly adminToken: string;
  readonly berth: BerthProcess;
  api<T = Record<string, unknown>>(token: string, method: string, path: string, body?: unknown): Promise<T>;
  /** Books through the API: `shape` is nodes × GPUs per node, times in epoch ms. */
  book(
    token: string,
    pool: string,
    shape: [number, number],
    window: [number, number],
    priority: string,
    title: string,
  ): Promise<{ id: string }>;
  /** A team with a member token (and, for `critical`, the quota an admin must grant first). */
  member(team: string, quotas?: Record<string, number>): Promise<string>;
  stop(): Promise<void>;
}

export async function startUiServer(env: Record<string, string> = {}): Promise<UiServer> {
  const dir = await mkdtemp(join(tmpdir(), "berth-e2e-"));
  const adminToken = `e2e-admin-${Math.random().toString(36).slice(2)}-0123456789`;
  const berth = await startBerthProcess({ BERTH_ADMIN_TOKEN: adminToken, BERTH_DATA_DIR: dir, ...env });
  const api = async <T>(token: string, method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${berth.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
    return JSON.parse(text) as T;
  };
  return {
    url: berth.url,
    adminToken,
    berth,
    api,
    book: (token, pool, [nodes, gpusPerNode], [start, end], priority, title) =>
      api(token, "POST", "/reservations", {
        pool,
        nodes,
        gpusPerNode,
        start: new Date(start).toISOString(),
        end: new Date(end).toISOString(),
        priority,
        title,
      }),
    async member(team, quotas) {
      await api(adminToken, "POST", "/teams", { name: team });
      if (quotas) await api(adminToken, "PUT", `/teams/${team}/quotas`, quotas);
      const t = await api<{ token: string }>(adminToken, "POST", "/tokens", {
        team,
        role: "member",
        name: `${team}-engineer`,
      });
      return t.token;
    },
    async stop() {
      await berth.kill("SIGTERM");
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Opens the UI in a fresh context and signs in with `token` through the form. */
export async function signedInPage(
  browser: Browser,
  url: string,
  token: string,
  options: BrowserContextOptions = {},
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, ...options });
  const page = await context.newPage();
  await page.goto(url);
  await page.getByRole("textbox", { name: "Token" }).fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("link", { name: "Timeline" }).waitFor();
  return page;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

export const HOUR = 3_600_000;

/** A local wall-clock time as the UI's Start and End fields take it (`YYYY-MM-DDTHH:mm`). */
export function localInput(ms: number, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(ms)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}
