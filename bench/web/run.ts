// Web UI benchmark: the timeline with 1 000 nodes and 10 000 reservations in view.
// A real `berth serve` serves the built UI and answers sign-in and the event stream; the browser's
// requests for pools and occupancy are answered with synthetic data of that size (Playwright's
// request routing), because booking 10 000 reservations through the API would measure the API.
//
// Reports: initial JS and CSS gzipped; time from navigation to the first reservation bar drawn;
// long tasks (> 50 ms, PerformanceObserver) while scrolling the rows and zooming and panning.
//
//   npm run bench:web [-- --pools 10 --nodes 100 --holds 10]
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { seededRandom } from "../../src/abcheck/seeded-random.ts";
import { launchChromium, startUiServer } from "../../test/support/browser.ts";

const HOUR = 3_600_000;
const GRID = 15 * 60_000;
const PRIORITIES = ["critical", "high", "normal", "low", "best-effort"];

const { values } = parseArgs({
  options: {
    pools: { type: "string", default: "10" },
    nodes: { type: "string", default: "100" },
    holds: { type: "string", default: "10" },
  },
});
const POOLS = Number(values.pools);
const NODES = Number(values.nodes);
const HOLDS = Number(values.holds);

async function bundleSizes() {
  const dir = "web/dist/assets";
  const files = await readdir(dir);
  const size = async (ext: string) => {
    let raw = 0;
    let gz = 0;
    for (const f of files.filter((x) => x.endsWith(ext))) {
      const body = await readFile(join(dir, f));
      raw += body.length;
      gz += gzipSync(body, { level: 9 }).length;
    }
    return { raw, gz };
  };
  return { js: await size(".js"), css: await size(".css") };
}

/** Each node gets HOLDS reservations spread over two weeks, some overlapping (several lanes). */
function occupancy(pool: string, from: number, to: number) {
  const random = seededRandom(pool.length * 7919 + from / GRID);
  const nodes = Array.from({ length: NODES }, (_, n) => {
    const holds = Array.from({ length: HOLDS }, (_, h) => {
      const start = Math.floor((from + random() * (to - from)) / GRID) * GRID;
      const hours = 1 + Math.floor(random() * 30);
      const gpus = 1 + Math.floor(random() * 8);
      return {
        reservation: `r-${pool}-${n}-${h}`,
        team: `team-${h % 7}`,
        priority: PRIORITIES[Math.floor(random() * PRIORITIES.length)],
        state: "confirmed",
        title: `run ${n}.${h}`,
        gpus: Array.from({ length: gpus }, (_, g) => g),
        start: new Date(start).toISOString(),
        end: new Date(start + hours * HOUR).toISOString(),
      };
    });
    return { node: `${pool}-${n}`, gpus: 8, up: true, holds };
  });
  return { pool, from: new Date(from).toISOString(), to: new Date(to).toISOString(), nodes };
}

const pools = Array.from({ length: POOLS }, (_, i) => ({
  name: `B${i}`,
  product: "Tesla-V100-SXM2-32GB",
  computeCapability: "7.0",
  nodes: NODES,
  gpusPerNode: 8,
}));

const sizes = await bundleSizes();
const server = await startUiServer();
const browser = await launchChromium();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // In-page code as text: this file is type-checked for Node, without the DOM's types.
  await context.addInitScript(`
    sessionStorage.setItem("berth.token", ${JSON.stringify(server.adminToken)});
    window.__long = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__long.push(e.duration);
    }).observe({ type: "longtask", buffered: true });
    new MutationObserver((_m, obs) => {
      if (document.querySelector(".tl-bar")) {
        window.__firstBar = performance.now();
        obs.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  `);
  await context.route("**/api/v1/pools", (route) => route.fulfill({ json: { items: pools } }));
  let served = 0;
  await context.route("**/api/v1/pools/*/occupancy*", (route) => {
    served++;
    const url = new URL(route.request().url());
    const pool = decodeURIComponent(url.pathname.split("/")[4]!);
    const from = Date.parse(url.searchParams.get("from")!);
    const to = Date.parse(url.searchParams.get("to")!);
    return route.fulfill({ json: occupancy(pool, from, to) });
  });
  const page = await context.newPage();
  await page.goto(server.url + "/timeline");
  await page.locator(".tl-bar").first().waitFor({ timeout: 60_000 });
  const firstBarMs = await page.evaluate<number>("window.__firstBar");
  const rows = await page.evaluate<number>("document.querySelectorAll('.tl-row').length");
  const inView = await page.evaluate<number>("document.querySelectorAll('.tl-bar').length");
  const initialLong = await page.evaluate<number[]>("window.__long.splice(0)");

  // Scroll the rows top to bottom, in wheel-sized steps, each followed by a painted frame.
  const frame = () =>
    page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))");
  const total = await page.evaluate<number>("document.querySelector('.tl-scroll').scrollHeight");
  const steps = 60;
  const started = Date.now();
  const stepMs: number[] = [];
  for (let i = 1; i <= steps; i++) {
    const t0 = Date.now();
    await page.evaluate(`document.querySelector('.tl-scroll').scrollTop = ${(total * i) / steps}`);
    await frame();
    stepMs.push(Date.now() - t0);
  }
  const scrollMs = Date.now() - started;
  const scrollLong = await page.evaluate<number[]>("window.__long.splice(0)");

  // Zoom in and out and pan (panning past the loaded range fetches and lays out 10 000 holds again).
  for (const name of ["Hour", "Day", "Week", "Day", "Hour", "Week"]) {
    await page.getByRole("button", { name, exact: true }).click();
    await frame();
  }
  for (const name of ["Later", "Earlier", "Now"]) {
    await page.getByRole("button", { name, exact: true }).click();
    await frame();
  }
  // Panning past the loaded range refetches every pool: wait until those answers are drawn.
  const before = served;
  await page.getByRole("button", { name: "Later", exact: true }).click();
  for (let i = 0; i < 600 && served < before + POOLS; i++) await frame();
  await page.locator(".tl-bar").first().waitFor();
  await frame();
  const zoomLong = await page.evaluate<number[]>("window.__long.splice(0)");

  const summary = (xs: number[]) => ({ count: xs.length, maxMs: Math.round(Math.max(0, ...xs)) });
  const result = {
    pools: POOLS,
    nodes: POOLS * NODES,
    reservations: POOLS * NODES * HOLDS,
    initialJsGzipKB: +(sizes.js.gz / 1024).toFixed(1),
    initialJsKB: +(sizes.js.raw / 1024).toFixed(1),
    cssGzipKB: +(sizes.css.gz / 1024).toFixed(1),
    firstBarMs: Math.round(firstBarMs),
    rowsInDom: rows,
    barsInDom: inView,
    longTasksDuringLoad: summary(initialLong),
    scroll: {
      steps,
      ms: scrollMs,
      // Per step: set scrollTop, then two animation frames (includes the test driver's round trip).
      stepMsMedian: [...stepMs].sort((a, b) => a - b)[Math.floor(steps / 2)],
      stepMsMax: Math.max(...stepMs),
      longTasks: summary(scrollLong),
    },
    loadAverage: (await readFile("/proc/loadavg", "utf8")).split(" ").slice(0, 3).join(" "),
    zoomAndPan: { actions: 10, longTasks: summary(zoomLong) },
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await browser.close();
  await server.stop();
}
