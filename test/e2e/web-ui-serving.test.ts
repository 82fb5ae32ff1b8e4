// How `berth serve` serves the UI: index.html for the UI's own paths, its assets with long caching,
// the server's own paths untouched, and a problem that says what to run when the build is missing.
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import express from "express";
import { describe, expect, it } from "vitest";
import { webUi } from "../../src/api/web-ui.ts";
import { browserSuite } from "../support/browser-suite.ts";

const suite = browserSuite();

describe("the UI served at /", () => {
  it("answers the UI's paths with index.html and leaves the server's own paths alone", async () => {
    const { url } = suite.server;
    for (const path of ["/", "/timeline", "/book?pool=V100", "/reservations/anything"]) {
      const res = await fetch(url + path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/text\/html/);
      expect(res.headers.get("content-security-policy")).toMatch(/default-src 'self'/);
      expect(await res.text()).toMatch(/<div id="app">/);
    }
    const html = await (await fetch(url)).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const asset = await fetch(url + script);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toMatch(/immutable/);

    const api = await fetch(`${url}/api/v1/no-such-thing`);
    expect(api.status).toBe(404);
    expect(api.headers.get("content-type")).toMatch(/application\/problem\+json/);
    expect((await fetch(`${url}/api/v1/pools`)).status).toBe(401);
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: "ok" });
    expect((await fetch(`${url}/openapi.json`)).headers.get("content-type")).toMatch(/application\/json/);
    expect((await fetch(`${url}/metrics`)).headers.get("content-type")).toMatch(/text\/plain/);
    expect((await fetch(`${url}/assets/missing.js`)).status).toBe(404);
  });

  it("says to run the build when web/dist is missing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "berth-no-ui-"));
    const app = express().use(webUi(join(dir, "dist")));
    const srv = app.listen(0, "127.0.0.1");
    await new Promise((r) => srv.once("listening", r));
    try {
      const res = await fetch(`http://127.0.0.1:${(srv.address() as AddressInfo).port}/`);
      expect(res.status).toBe(503);
      expect(res.headers.get("content-type")).toMatch(/application\/problem\+json/);
      expect(await res.json()).toMatchObject({
        title: "The web UI is not built",
        detail: expect.stringMatching(/npm run build/),
      });
    } finally {
      srv.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
