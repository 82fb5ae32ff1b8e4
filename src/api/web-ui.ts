// The booking UI at `/`: the Vite build in web/dist served as static files, with a fallback to
// index.html for the UI's own client-side paths (/timeline, /book, ...). The build runs at install
// (`npm ci` → prepare) or with `npm run build`, never at start, so a missing build is reported as a
// problem that says what to run instead of a blank page.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import express, { type Router } from "express";
import { PROBLEM_BASE, sendProblem } from "./problem.ts";

const DEFAULT_DIR = fileURLToPath(new URL("../../web/dist", import.meta.url));

/** Paths the server itself owns: never answered with the UI's index.html. */
const SERVER_PATHS = /^\/(api(\/|$)|healthz$|readyz$|metrics$|openapi\.json$)/;

// The UI renders every value as text and loads nothing from elsewhere; styles set from script
// (the chart library sizes its canvas that way) need 'unsafe-inline' for style attributes only.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export function webUi(dir: string = DEFAULT_DIR): Router {
  const router = express.Router();
  const index = path.join(dir, "index.html");
  router.use((req, res, next) => {
    if (SERVER_PATHS.test(req.path)) return next();
    res.set({ "Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff" });
    next();
  });
  // Hashed file names under assets/ never change content, so browsers may keep them.
  router.use(
    "/assets",
    express.static(path.join(dir, "assets"), { immutable: true, maxAge: "365d", index: false }),
  );
  router.use(express.static(dir, { index: false, maxAge: 0 }));
  router.use((req, res, next) => {
    const isPage = (req.method === "GET" || req.method === "HEAD") && !path.extname(req.path);
    if (!isPage || SERVER_PATHS.test(req.path)) return next();
    if (!existsSync(index)) {
      return sendProblem(res, {
        type: `${PROBLEM_BASE}web-ui-not-built`,
        title: "The web UI is not built",
        status: 503,
        detail: "web/dist is missing: run `npm run build` (npm ci runs it too), then reload",
      });
    }
    res.set("Cache-Control", "no-cache");
    res.sendFile(index);
  });
  return router;
}
