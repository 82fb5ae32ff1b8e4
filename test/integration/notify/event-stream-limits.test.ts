// Event streams are bounded: a token holds a few at most (one more is a 429 with Retry-After), and a
// stream ends when its token is revoked.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../../support/api-harness.ts";
import { BACKENDS } from "../../support/database.ts";

describe.each(BACKENDS)("event stream limits on %s", (backend) => {
  let h: Harness;
  let vision: string;
  beforeAll(async () => {
    h = await startHarness(backend, { security: { maxStreamsPerToken: 2 } });
    vision = await h.team("vision");
  });
  afterAll(async () => h.close());

  const open = (token: string) => {
    const ac = new AbortController();
    const res = fetch(`${h.url}/api/v1/events`, {
      headers: { authorization: `Bearer ${token}` },
      signal: ac.signal,
    });
    return { res, close: () => ac.abort() };
  };

  it("answers 429 with Retry-After beyond the streams a token may hold, and frees a slot on close", async () => {
    const a = open(vision);
    const b = open(vision);
    expect((await a.res).status).toBe(200);
    expect((await b.res).status).toBe(200);
    const c = await fetch(`${h.url}/api/v1/events`, { headers: { authorization: `Bearer ${vision}` } });
    expect(c.status).toBe(429);
    expect(c.headers.get("retry-after")).toBe("5");
    await c.text();
    a.close();
    // The server sees the close asynchronously: retry until the slot is free.
    let d: Response | undefined;
    for (let i = 0; i < 50 && d?.status !== 200; i++) {
      const ac = new AbortController();
      d = await fetch(`${h.url}/api/v1/events`, {
        headers: { authorization: `Bearer ${vision}` },
        signal: ac.signal,
      });
      if (d.status === 200) ac.abort();
      else await d.text();
    }
    expect(d?.status).toBe(200);
    b.close();
  });

  it("ends a stream once its token is revoked", async () => {
    const t = await h.call("POST", "/api/v1/tokens", {
      body: { team: "vision", role: "member", name: "streamer" },
    });
    const res = await fetch(`${h.url}/api/v1/events`, {
      headers: { authorization: `Bearer ${t.body.token}` },
    });
    expect(res.status).toBe(200);
    const ended = (async () => {
      for await (const _ of res.body as unknown as AsyncIterable<Uint8Array>) {
        // read until the server ends the stream
      }
      return true;
    })();
    expect((await h.call("DELETE", `/api/v1/tokens/${t.body.id}`)).status).toBe(200);
    expect(await ended).toBe(true);
  });
});
