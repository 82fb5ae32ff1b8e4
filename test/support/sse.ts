// Reads the event stream as a browser tab does (fetch, not EventSource) until an event matches.
export interface StreamedEvent {
  readonly id: string;
  readonly event: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON payloads
  readonly data: any;
}

export async function awaitStreamedEvent(
  url: string,
  token: string,
  match: (e: StreamedEvent) => boolean,
  timeoutMs = 10_000,
): Promise<StreamedEvent> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: ac.signal });
    if (res.status !== 200) throw new Error(`event stream answered ${res.status}`);
    const decoder = new TextDecoder();
    let buf = "";
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      for (let i = buf.indexOf("\n\n"); i >= 0; i = buf.indexOf("\n\n")) {
        const lines = buf.slice(0, i).split("\n");
        buf = buf.slice(i + 2);
        const field = (name: string) => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
        const event = field("event");
        if (!event) continue;
        const e = { id: field("id") ?? "", event, data: JSON.parse(field("data") ?? "null") };
        if (match(e)) return e;
      }
    }
    throw new Error("the event stream ended before the event came");
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
}
