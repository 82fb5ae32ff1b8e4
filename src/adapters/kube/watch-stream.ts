// A Kubernetes watch as an async generator (docs/architecture.md, "Where to add"): it lists first (yielding the whole
// set as one `sync`), then watches from that resourceVersion, resumes from the last version it saw
// whenever the server ends the stream (it does every `timeoutSeconds`), lists again when the
// version has expired (410 Gone), yields transient failures as `error` events and retries, and
// ends when the AbortSignal fires. Callers resume a previous stream by passing its resourceVersion.
import { type KubeConfig, Watch } from "@kubernetes/client-node";
import { isGone, translateKubeError } from "./kube-errors.ts";

interface Versioned {
  metadata?: { resourceVersion?: string };
}

export type WatchEvent<T> =
  | { readonly type: "sync"; readonly objects: T[]; readonly resourceVersion: string }
  | { readonly type: "added" | "modified" | "deleted"; readonly object: T; readonly resourceVersion: string }
  | { readonly type: "error"; readonly error: Error };

export interface WatchStreamOptions<T> {
  readonly config: KubeConfig;
  /** The collection's URL path, e.g. /apis/batch/v1/namespaces/x/jobs. */
  readonly path: string;
  readonly labelSelector?: string;
  readonly list: () => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>;
  readonly signal: AbortSignal;
  /** Resume here instead of listing first. */
  readonly resourceVersion?: string;
  /** The server ends each watch after this long (below the client's 30 s inactivity timeout). */
  readonly timeoutSeconds?: number;
  readonly retryDelayMs?: number;
  /** Called as each watch connection is opened (for figures and tests). */
  readonly onConnect?: () => void;
}

type Raw = { kind: "event"; type: string; object: unknown } | { kind: "done"; error: unknown };

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

export async function* watchStream<T extends Versioned>(
  o: WatchStreamOptions<T>,
): AsyncGenerator<WatchEvent<T>> {
  const watch = new Watch(o.config);
  let version = o.resourceVersion;
  while (!o.signal.aborted) {
    if (version === undefined) {
      try {
        const list = await o.list();
        version = list.metadata?.resourceVersion ?? "";
        yield { type: "sync", objects: list.items, resourceVersion: version };
      } catch (err) {
        yield { type: "error", error: translateKubeError(err, `listing ${o.path}`) };
        await pause(o.retryDelayMs ?? 1_000, o.signal);
        continue;
      }
    }
    // One watch connection: its callbacks feed a queue this generator drains.
    const queue: Raw[] = [];
    let wake: (() => void) | undefined;
    const push = (r: Raw) => {
      queue.push(r);
      wake?.();
    };
    let controller: AbortController | undefined;
    const onAbort = () => controller?.abort();
    o.signal.addEventListener("abort", onAbort, { once: true });
    try {
      o.onConnect?.();
      controller = await watch.watch(
        o.path,
        {
          resourceVersion: version,
          allowWatchBookmarks: true,
          timeoutSeconds: o.timeoutSeconds ?? 25,
          ...(o.labelSelector ? { labelSelector: o.labelSelector } : {}),
        },
        (type, object) => push({ kind: "event", type, object }),
        (error) => push({ kind: "done", error }),
      );
      if (o.signal.aborted) controller.abort();
      for (;;) {
        if (queue.length === 0) await new Promise<void>((r) => (wake = r));
        wake = undefined;
        const raw = queue.shift()!;
        if (raw.kind === "done") {
          if (o.signal.aborted) return;
          if (raw.error) {
            if (isGone(raw.error)) version = undefined;
            else {
              yield { type: "error", error: translateKubeError(raw.error, `watching ${o.path}`) };
              await pause(o.retryDelayMs ?? 1_000, o.signal);
            }
          }
          break;
        }
        if (raw.type === "ERROR") {
          // A Status object in the stream: 410 Gone means our version has been compacted away.
          const status = raw.object as { code?: number; message?: string };
          if (status.code === 410) version = undefined;
          else
            yield {
              type: "error",
              error: translateKubeError({ code: status.code, body: status }, `watching ${o.path}`),
            };
          controller.abort();
          // Drop what the aborted connection still delivers; a fresh one starts above.
          break;
        }
        const object = raw.object as T;
        const rv = object.metadata?.resourceVersion;
        if (rv) version = rv;
        if (raw.type === "BOOKMARK") continue;
        const type = raw.type === "ADDED" ? "added" : raw.type === "DELETED" ? "deleted" : "modified";
        yield { type, object, resourceVersion: version ?? "" };
      }
    } catch (err) {
      if (o.signal.aborted) return;
      if (isGone(err)) version = undefined;
      else {
        yield { type: "error", error: translateKubeError(err, `watching ${o.path}`) };
        await pause(o.retryDelayMs ?? 1_000, o.signal);
      }
    } finally {
      o.signal.removeEventListener("abort", onAbort);
      controller?.abort();
    }
  }
}
