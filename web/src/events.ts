// The live event stream. EventSource cannot send an Authorization header, so the stream is read with
// fetch and parsed here (the text/event-stream format: `id:`, `event:`, `data:` lines, a blank line
// ends an event). On a drop it reconnects with Last-Event-ID so nothing is missed or repeated.
import type { BerthEvent } from "./types.ts";

export type StreamStatus = "connecting" | "live" | "reconnecting" | "stopped";

type Listener = (e: BerthEvent) => void;

const listeners = new Set<Listener>();

/** Pages subscribe here; the returned function unsubscribes. */
export function onEvent(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function dispatch(e: BerthEvent) {
  for (const l of listeners) {
    try {
      l(e);
    } catch (err) {
      console.error("event listener failed", err);
    }
  }
}

/** Parses a chunked text/event-stream, calling `emit` for each complete event. */
export function eventParser(emit: (e: BerthEvent) => void) {
  let buffer = "";
  let id = "";
  let type = "message";
  let data: string[] = [];
  return (chunk: string) => {
    buffer += chunk;
    for (;;) {
      const nl = buffer.search(/\r\n|\n|\r/);
      if (nl < 0) break;
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + (buffer.startsWith("\r\n", nl) ? 2 : 1));
      if (line === "") {
        if (data.length > 0) {
          let parsed: Record<string, unknown> = {};
          try {
            parsed = JSON.parse(data.join("\n")) as Record<string, unknown>;
          } catch {
            parsed = { text: data.join("\n") };
          }
          emit({ id, type, data: parsed });
        }
        type = "message";
        data = [];
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "id") id = value;
      else if (field === "event") type = value;
      else if (field === "data") data.push(value);
    }
  };
}

/** Opens the stream for `token` and keeps it open until the returned function is called. */
export function connectEvents(token: string, onStatus: (s: StreamStatus) => void): () => void {
  const abort = new AbortController();
  let lastId = "";
  let retryMs = 1_000;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const open = async () => {
    onStatus(lastId ? "reconnecting" : "connecting");
    try {
      const headers: Record<string, string> = {
        Authorization: `Bearer ${token}`,
        Accept: "text/event-stream",
      };
      if (lastId) headers["Last-Event-ID"] = lastId;
      const res = await fetch("/api/v1/events", { headers, signal: abort.signal, cache: "no-store" });
      if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
      onStatus("live");
      retryMs = 1_000;
      const parse = eventParser((e) => {
        if (e.id) lastId = e.id;
        dispatch(e);
      });
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parse(value);
      }
    } catch (err) {
      if (abort.signal.aborted) return;
      console.warn("event stream dropped", err);
    }
    if (abort.signal.aborted) return;
    onStatus("reconnecting");
    // Back off while the server is away, up to half a minute between tries.
    timer = setTimeout(() => void open(), retryMs);
    retryMs = Math.min(retryMs * 2, 30_000);
  };
  void open();
  return () => {
    abort.abort();
    if (timer) clearTimeout(timer);
    onStatus("stopped");
  };
}
