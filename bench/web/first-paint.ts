// Web UI benchmark: the timeline's first paint on the embedded defaults (`berth serve` with PGlite
// and the simulated demo cluster, nothing routed or stubbed), with where the time goes: the page,
// the script, sign-in's questions, the occupancy answers, and the first reservation bar drawn.
// Each run is a fresh browser context (cold HTTP cache), signed in already (the token in the tab's
// session storage, as after a reload).
//
//   npx node bench/web/first-paint.ts [--runs 7]
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { launchChromium, startUiServer } from "../../test/support/browser.ts";

const HOUR = 3_600_000;
const QUARTER = 15 * 60_000;
const { values } = parseArgs({ options: { runs: { type: "string", default: "7" } } });
const RUNS = Number(values.runs);

interface Phases {
  html: number;
  script: number;
  signIn: number;
  occupancyStart: number;
  occupancy: number;
  firstBar: number;
}

const server = await startUiServer();
const browser = await launchChromium();
try {
  const ml = await server.member("ml");
  // A few bookings per pool of the demo cluster, so there is something to draw.
  const start = Math.ceil(Date.now() / QUARTER) * QUARTER + HOUR;
  for (const [pool, gpus] of [
    ["V100", 8],
    ["T4", 4],
    ["P100", 4],
  ] as const) {
    for (let i = 0; i < 3; i++)
      await server.book(
        ml,
        pool,
        [1, gpus],
        [start + i * 6 * HOUR, start + (i * 6 + 4) * HOUR],
        "normal",
        `${pool} run ${i}`,
      );
  }
  const runs: Phases[] = [];
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript(`
      sessionStorage.setItem("berth.token", ${JSON.stringify(server.adminToken)});
      new MutationObserver((_m, obs) => {
        if (document.querySelector(".tl-bar")) {
          window.__firstBar = performance.now();
          obs.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    `);
    const page = await context.newPage();
    await page.goto(`${server.url}/timeline`);
    await page.locator(".tl-bar").first().waitFor({ timeout: 30_000 });
    // Times in ms since navigation start, from the browser's own Navigation and Resource Timing.
    const phases = await page.evaluate<Phases>(`(() => {
      const nav = performance.getEntriesByType("navigation")[0];
      const res = performance.getEntriesByType("resource");
      const end = (f) => Math.max(0, ...res.filter((r) => f(r.name)).map((r) => r.responseEnd));
      const startOf = (f) => Math.min(...res.filter((r) => f(r.name)).map((r) => r.startTime));
      return {
        html: nav.responseEnd,
        script: end((n) => n.endsWith(".js")),
        signIn: end((n) => /\\/api\\/v1\\/(whoami|pools)$|\\/readyz$/.test(n)),
        occupancyStart: startOf((n) => n.includes("/occupancy")),
        occupancy: end((n) => n.includes("/occupancy")),
        firstBar: window.__firstBar,
      };
    })()`);
    runs.push(phases);
    await context.close();
  }
  const median = (k: keyof Phases) => {
    const xs = runs.map((r) => r[k]).sort((a, b) => a - b);
    return Math.round(xs[Math.floor(xs.length / 2)]!);
  };
  const keys: (keyof Phases)[] = ["html", "script", "signIn", "occupancyStart", "occupancy", "firstBar"];
  console.log(
    JSON.stringify(
      {
        runs: runs.map((r) => Object.fromEntries(keys.map((k) => [k, Math.round(r[k])]))),
        median: Object.fromEntries(keys.map((k) => [k, median(k)])),
        underOneSecond: runs.filter((r) => r.firstBar < 1000).length,
        loadAverage: (await readFile("/proc/loadavg", "utf8")).split(" ").slice(0, 3).join(" "),
      },
      null,
      2,
    ),
  );
} finally {
  await browser.close();
  await server.stop();
}
