// The watch stream's answer to 410 Gone: list again, then watch from the new list's version.
// A TEST DOUBLE of the API server's watch endpoint, because the real one cannot be made to say 410
// in a test's time: its watch cache replays the current state for a too-old version and only
// answers 410 after it has evicted events, which it avoids (it grows) for 75 s of churn. Everything
// else about the watch is tested against the real API server (executor-watch.test.ts).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type WatchEvent, watchStream } from "../../src/adapters/kube/watch-stream.ts";

type Obj = { metadata: { name: string; resourceVersion: string } };
const obj = (name: string, resourceVersion: string): Obj => ({ metadata: { name, resourceVersion } });

describe("the watch stream on 410 Gone", () => {
  const requests: string[] = [];
  const open = new Set<ServerResponse>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://x");
    requests.push(`${url.pathname}?resourceVersion=${url.searchParams.get("resourceVersion")}`);
    res.writeHead(200, { "content-type": "application/json" });
    if (url.searchParams.get("resourceVersion") === "5") {
      // What the API server sends for a compacted version: a Status in the stream, then the end.
      res.end(
        `${JSON.stringify({ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired" } })}\n`,
      );
      return;
    }
    res.write(`${JSON.stringify({ type: "ADDED", object: obj("b", "10") })}\n`);
    open.add(res); // held open until the watcher aborts
    req.on("close", () => open.delete(res));
  });
  const config = new KubeConfig();
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    config.loadFromOptions({
      clusters: [{ name: "double", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: "u" }],
      contexts: [{ name: "c", cluster: "double", user: "u" }],
      currentContext: "c",
    });
  });
  afterAll(async () => {
    for (const res of open) res.destroy();
    await new Promise((r) => server.close(r));
  });

  it("lists again and watches on from the new list's version", async () => {
    const aborter = new AbortController();
    let lists = 0;
    const seen: WatchEvent<Obj>[] = [];
    for await (const ev of watchStream<Obj>({
      config,
      path: "/apis/batch/v1/namespaces/x/jobs",
      resourceVersion: "5",
      signal: aborter.signal,
      list: async () => {
        lists++;
        return { items: [obj("a", "9")], metadata: { resourceVersion: "9" } };
      },
    })) {
      seen.push(ev);
      if (ev.type === "added") aborter.abort();
    }
    expect(lists).toBe(1);
    expect(seen.map((e) => e.type)).toEqual(["sync", "added"]);
    expect(seen[1]).toMatchObject({ object: obj("b", "10"), resourceVersion: "10" });
    expect(requests).toEqual([
      "/apis/batch/v1/namespaces/x/jobs?resourceVersion=5",
      "/apis/batch/v1/namespaces/x/jobs?resourceVersion=9",
    ]);
  });
});
