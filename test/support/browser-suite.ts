// One Berth and one Chromium per browser test file (kept apart from browser.ts, which benchmarks
// import outside the test runner).
import type { Browser } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { launchChromium, startUiServer, type UiServer } from "./browser.ts";

export interface BrowserSuite {
  server: UiServer;
  browser: Browser;
}

/** One Berth and one Chromium for a test file, started before its tests and stopped after. */
export function browserSuite(env: Record<string, string> = {}): BrowserSuite {
  const suite = {} as BrowserSuite;
  beforeAll(async () => {
    [suite.server, suite.browser] = await Promise.all([startUiServer(env), launchChromium()]);
  });
  afterAll(async () => {
    await suite.browser?.close();
    await suite.server?.stop();
  });
  return suite;
}
