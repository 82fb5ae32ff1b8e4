// Web UI benchmark: the timeline with 1 000 nodes and 10 000 reservations in view.
// A real `berth serve` serves the built UI and answers sign-in and the event stream; the browser's
// requests for pools and occupancy are answered with synthetic data of that size (Playwright's
// request routing), because booking 10 000 reservations through the API would measure the API.
//
// Reports: initial JS and CSS gzipped; time from navigation to the first reservation bar drawn;
// long tasks (> 50 ms, PerformanceObserver) while loading (until every pool is drawn), scrolling the
// rows and zooming and panning.
//
// Builds compared in one sitting: each `--dist DIR` is a built UI (default web/dist); with several,
// the rounds alternate between them against the same server and browser, so a change is measured
// against its baseline under the same machine load, e.g. main's build:
//   git archive main web | tar -x -C /tmp/base && ln -s "$PWD/node_modules" /tmp/base/ &&
//   (cd /tmp/base && npx vite build --config web/vite.config.ts)
//   npm run bench:web -- --dist /tmp/base/web/dist --dist web/dist --rounds 4
// `--trace` records a Chromium performance trace of loading, each scroll and the zooming, and adds
// what the main thread's slow frames spent their time on (bench/web/trace-summary.ts).
// `--cpu-throttle N` slows the page's CPU N times (Chrome DevTools Protocol
// `Emulation.setCPUThrottlingRate` on a CDP session of the page), for the whole run: set before
// navigation, so loading, scrolling and zooming all run throttled. It models a slower laptop, or the
// 4-8x stretch a contended CPU gave tasks on the shared 2-core VM, on a quiet machine, so a long-task
// count no longer depends on what else runs there. The rate is reported with each run.
//
//   npm run bench:web [-- --pools 10 --nodes 100 --holds 10 --dist DIR ... --rounds N --trace
//                         --cpu-throttle N]
import { readdir, readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import type { Browser } from "playwright-core";
import { seededRandom } from "../../src/abcheck/seeded-random.ts";
import { launchChromium, startUiServer, type UiServer } from "../../test/support/browser.ts";
import { summariseTrace } from "./trace-summary.ts";

const HOUR = 3_600_000;
const GRID = 15 * 60_000;
const PRIORITIES = ["critical", "high", "normal", "low", "best-effort"];

const { values } = parseArgs({
  options: {
    pools: { type: "string", default: "10" },
    nodes: { type: "string", default: "100" },
    holds: { type: "string", default: "10" },
    dist: { type: "string", multiple: true },
    rounds: { type: "string", default: "1" },
    trace: { type: "boolean", default: false },
    "cpu-throttle": { type: "string", default: "1" },
  },
});
const POOLS = Number(values.pools);
const NODES = Number(values.nodes);
const HOLDS = Number(values.holds);
const DISTS = values.dist?.length ? values.dist : ["web/dist"];
const ROUNDS = Number(values.rounds);
const CPU_THROTTLE = Number(values["cpu-throttle"]);
if (!(CPU_THROTTLE >= 1))
  throw new Error(`--cpu-throttle must be a number >= 1, not ${values["cpu-throttle"]}`);

async function bundleSizes(dist: string) {
  const dir = join(dist, "assets");
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

const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript",
  ".css": "text/css",
  ".html": "text/html",
};

const summary = (xs: number[]) => ({ count: xs.length, maxMs: Math.round(Math.max(0, ...xs)) });

/** One measurement of one build: load, scroll top to bottom, zoom and pan. */
async function measure(browser: Browser, server: UiServer, dist: string) {
  const sizes = await bundleSizes(dist);
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
  // The UI's own files from this build (the server's web/dist is not consulted).
  const origin = new URL(server.url).origin;
  await context.route(
    (url) => url.origin === origin && !url.pathname.startsWith("/api/"),
    async (route) => {
      const path = new URL(route.request().url()).pathname;
      const file = extname(path) ? join(dist, path) : join(dist, "index.html");
      const body = await readFile(file);
      return route.fulfill({ body, contentType: CONTENT_TYPES[extname(file)] ?? "application/octet-stream" });
    },
  );
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
  try {
    if (CPU_THROTTLE > 1) {
      const cdp = await context.newCDPSession(page);
      await cdp.send("Emulation.setCPUThrottlingRate", { rate: CPU_THROTTLE });
    }
    if (values.trace)
      await browser.startTracing(page, { categories: ["toplevel", "devtools.timeline", "v8.execute"] });
    await page.goto(server.url + "/timeline");
    await page.locator(".tl-bar").first().waitFor({ timeout: 60_000 });
    const firstBarMs = await page.evaluate<number>("window.__firstBar");
    const rows = await page.evaluate<number>("document.querySelectorAll('.tl-row').length");
    const inView = await page.evaluate<number>("document.querySelectorAll('.tl-bar').length");
    const frame = () =>
      page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))");
    // Loading lasts until every pool's answer is laid out and drawn: all answers served, then the
    // rows' height unchanged over five double frames (the first bar comes with the first pool).
    const height = () => page.evaluate<number>("document.querySelector('.tl-scroll').scrollHeight");
    for (let i = 0; i < 600 && served < POOLS; i++) await frame();
    for (let last = -1, same = 0; same < 5; ) {
      const h = await height();
      same = h === last ? same + 1 : 0;
      last = h;
      await frame();
    }
    const allDrawnMs = await page.evaluate<number>("performance.now()");
    const initialLong = await page.evaluate<number[]>("window.__long.splice(0)");
    const loadTrace = values.trace
      ? summariseTrace((await browser.stopTracing()).toString("utf8"))
      : undefined;
    const total = await page.evaluate<number>("document.querySelector('.tl-scroll').scrollHeight");
    /** Sets scrollTop to each position in turn, each followed by a painted frame. */
    const scrollThrough = async (positions: number[]) => {
      if (values.trace)
        await browser.startTracing(page, { categories: ["toplevel", "devtools.timeline", "v8.execute"] });
      const started = Date.now();
      const stepMs: number[] = [];
      for (const top of positions) {
        const t0 = Date.now();
        await page.evaluate(`document.querySelector('.tl-scroll').scrollTop = ${top}`);
        await frame();
        stepMs.push(Date.now() - t0);
      }
      const ms = Date.now() - started;
      const long = await page.evaluate<number[]>("window.__long.splice(0)");
      const trace = values.trace ? summariseTrace((await browser.stopTracing()).toString("utf8")) : undefined;
      return {
        steps: positions.length,
        ms,
        // Per step: set scrollTop, then two animation frames (includes the test driver's round trip).
        stepMsMedian: [...stepMs].sort((a, b) => a - b)[Math.floor(stepMs.length / 2)]!,
        stepMsMax: Math.max(...stepMs),
        longTasks: summary(long),
        ...(trace
          ? {
              trace: {
                ...trace,
                selfMs: Object.fromEntries(trace.selfMs.slice(0, 10)),
                longestTaskSelfMs: Object.fromEntries(trace.longestTaskSelfMs.slice(0, 8)),
              },
            }
          : {}),
      };
    };
    // Top to bottom in 60 jumps of ~1 200 px: every step draws a fresh set of rows (the worst case).
    const scroll = await scrollThrough(Array.from({ length: 60 }, (_, i) => (total * (i + 1)) / 60));
    // Back up 3 000 px in 40 px steps, as a trackpad scrolls: most steps bring no new row into view.
    const fineScroll = await scrollThrough(Array.from({ length: 75 }, (_, i) => total - 40 * (i + 1)));

    // Zoom in and out and pan (panning past the loaded range fetches and lays out 10 000 holds again).
    if (values.trace)
      await browser.startTracing(page, { categories: ["toplevel", "devtools.timeline", "v8.execute"] });
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
    const zoomTrace = values.trace
      ? summariseTrace((await browser.stopTracing()).toString("utf8"))
      : undefined;

    return {
      dist,
      cpuThrottle: CPU_THROTTLE,
      initialJsGzipKB: +(sizes.js.gz / 1024).toFixed(1),
      initialJsKB: +(sizes.js.raw / 1024).toFixed(1),
      cssGzipKB: +(sizes.css.gz / 1024).toFixed(1),
      firstBarMs: Math.round(firstBarMs),
      allDrawnMs: Math.round(allDrawnMs),
      rowsInDom: rows,
      barsInDom: inView,
      longTasksDuringLoad: summary(initialLong),
      ...(loadTrace
        ? {
            loadTrace: {
              longestTasksCpuMs: loadTrace.longestTasksCpuMs,
              busyCpuMs: loadTrace.busyCpuMs,
              longestTaskSelfMs: Object.fromEntries(loadTrace.longestTaskSelfMs.slice(0, 8)),
            },
          }
        : {}),
      scroll,
      fineScroll,
      zoomAndPan: {
        actions: 10,
        longTasks: summary(zoomLong),
        ...(zoomTrace
          ? {
              trace: {
                longestTasksCpuMs: zoomTrace.longestTasksCpuMs,
                busyCpuMs: zoomTrace.busyCpuMs,
                longestTaskSelfMs: Object.fromEntries(zoomTrace.longestTaskSelfMs.slice(0, 8)),
              },
            }
          : {}),
      },
      loadAverage: (await readFile("/proc/loadavg", "utf8")).split(" ").slice(0, 3).join(" "),
    };
  } finally {
    await context.close();
  }
}

type Result = Awaited<ReturnType<typeof measure>>;

const server = await startUiServer();
const browser = await launchChromium();
try {
  const results = new Map<string, Result[]>(DISTS.map((d) => [d, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const dist of DISTS) {
      const r = await measure(browser, server, dist);
      results.get(dist)!.push(r);
      console.error(JSON.stringify(r));
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const perBuild = DISTS.map((dist) => {
    const rs = results.get(dist)!;
    const scrollLong = rs.flatMap((r) => (r.scroll.longTasks.count ? [r.scroll.longTasks.maxMs] : []));
    return {
      dist,
      runs: rs.length,
      initialJsGzipKB: rs[0]!.initialJsGzipKB,
      firstBarMsMedian: median(rs.map((r) => r.firstBarMs)),
      allDrawnMsMedian: median(rs.map((r) => r.allDrawnMs)),
      loadLongTasks: rs.map((r) => r.longTasksDuringLoad.count),
      loadLongestMs: Math.max(0, ...rs.map((r) => r.longTasksDuringLoad.maxMs)),
      rowsInDom: rs[0]!.rowsInDom,
      barsInDom: rs[0]!.barsInDom,
      scrollLongTasks: rs.map((r) => r.scroll.longTasks.count),
      scrollLongestMs: Math.max(0, ...scrollLong),
      scrollStepMsMedian: median(rs.map((r) => r.scroll.stepMsMedian)),
      fineScrollLongTasks: rs.map((r) => r.fineScroll.longTasks.count),
      fineScrollLongestMs: Math.max(0, ...rs.map((r) => r.fineScroll.longTasks.maxMs)),
      zoomPanLongTasks: rs.map((r) => r.zoomAndPan.longTasks.count),
      zoomPanLongestMs: Math.max(0, ...rs.map((r) => r.zoomAndPan.longTasks.maxMs)),
      ...(values.trace
        ? {
            scrollSlowFramesMs: rs.map((r) => r.scroll.trace?.overFrame.ms ?? 0),
            scrollLongestTaskMs: rs.map((r) => r.scroll.trace?.longestTasksMs[0] ?? 0),
            scrollBusyMs: rs.map((r) => r.scroll.trace?.busyMs ?? 0),
            scrollLongestTaskCpuMs: rs.map((r) => r.scroll.trace?.longestTasksCpuMs[0] ?? 0),
            scrollBusyCpuMs: rs.map((r) => r.scroll.trace?.busyCpuMs ?? 0),
            fineScrollLongestTaskCpuMs: rs.map((r) => r.fineScroll.trace?.longestTasksCpuMs[0] ?? 0),
            fineScrollBusyCpuMs: rs.map((r) => r.fineScroll.trace?.busyCpuMs ?? 0),
            zoomPanLongestTaskCpuMs: rs.map((r) => r.zoomAndPan.trace?.longestTasksCpuMs[0] ?? 0),
          }
        : {}),
    };
  });
  console.log(
    JSON.stringify(
      {
        pools: POOLS,
        nodes: POOLS * NODES,
        reservations: POOLS * NODES * HOLDS,
        cpuThrottle: CPU_THROTTLE,
        perBuild,
      },
      null,
      2,
    ),
  );
} finally {
  await browser.close();
  await server.stop();
}
