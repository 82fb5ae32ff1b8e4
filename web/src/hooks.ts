// Small shared hooks: loading data with its error in words, reloading on live events, routing.
import { createContext } from "preact";
import { useCallback, useContext, useEffect, useRef, useState } from "preact/hooks";
import { errorText } from "./api.ts";
import { onEvent } from "./events.ts";
import type { BerthEvent, Me, Pool } from "./types.ts";

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` when `deps` change and on `reload()`; an older answer never overwrites a newer one. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => mine === seq.current && setState({ data, loading: false }),
      (err) => mine === seq.current && setState((s) => ({ ...s, error: errorText(err), loading: false })),
    );
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

const matches = (prefixes: string, type: string) => prefixes.split(",").some((p) => type.startsWith(p));

/**
 * Calls `then` (at most every `waitMs`) after events whose type starts with one of `prefixes`: a
 * "something changed, read it again" signal, so a burst of events is one call and carries none of
 * them. A consumer that needs each event's content uses `useEachEvent`.
 */
export function useEvents(prefixes: string[], then: () => void, waitMs = 200) {
  const latest = useRef(then);
  latest.current = then;
  const key = prefixes.join(",");
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = onEvent((e) => {
      if (!matches(key, e.type) || timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        latest.current();
      }, waitMs);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [key, waitMs]);
}

/** How many event ids a page remembers to drop a repeat (a stream replayed after a reconnect). */
const SEEN_IDS = 1_000;

/**
 * Calls `then` for every event whose type starts with one of `prefixes`, each exactly once. Events
 * are told apart by their stream id (the server's event cursor), never by their time: several
 * events of one transaction share the same instant (a booking displacing two others) and each must
 * arrive.
 */
export function useEachEvent(prefixes: string[], then: (e: BerthEvent) => void) {
  const latest = useRef(then);
  latest.current = then;
  const key = prefixes.join(",");
  useEffect(() => {
    const seen = new Set<string>();
    return onEvent((e) => {
      if (!matches(key, e.type)) return;
      if (e.id) {
        if (seen.has(e.id)) return;
        seen.add(e.id);
        if (seen.size > SEEN_IDS) seen.delete(seen.values().next().value as string);
      }
      latest.current(e);
    });
  }, [key]);
}

export interface AppState {
  me: Me;
  pools: Pool[];
  navigate: (to: string) => void;
}

export const AppContext = createContext<AppState | null>(null);

export function useApp(): AppState {
  const app = useContext(AppContext);
  if (!app) throw new Error("useApp outside the signed-in app");
  return app;
}

/** The current path and query, following pushState navigation and the back button. */
export function useLocation(): [URL, (to: string) => void] {
  const [href, setHref] = useState(location.href);
  useEffect(() => {
    const on = () => setHref(location.href);
    addEventListener("popstate", on);
    return () => removeEventListener("popstate", on);
  }, []);
  const navigate = useCallback((to: string) => {
    history.pushState(null, "", to);
    setHref(location.href);
    scrollTo(0, 0);
  }, []);
  return [new URL(href), navigate];
}
