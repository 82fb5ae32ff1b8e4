// Berth's booking UI: sign-in, then six pages behind one navigation bar. Preact keeps the initial
// script small (the timeline and the chart bring their own weight); every value is rendered as text.
import { render } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { ApiError, call, errorText, session } from "./api.ts";
import { ErrorBoundary } from "./error-boundary.tsx";
import { connectEvents, type StreamStatus } from "./events.ts";
import { AppContext, type AppState, useLocation } from "./hooks.ts";
import { Notices } from "./notices.tsx";
import { BookPage } from "./pages/book.tsx";
import { ClusterPage } from "./pages/cluster.tsx";
import { JobsPage } from "./pages/jobs.tsx";
import { ModelsPage } from "./pages/models.tsx";
import { ReservationsPage } from "./pages/reservations.tsx";
import { SignIn } from "./pages/sign-in.tsx";
import { TimelinePage } from "./pages/timeline.tsx";
import { plain } from "./text.ts";
import { timeZoneName } from "./time.ts";
import { prefetchOpeningView } from "./timeline/first-load.ts";
import type { Me, Pool } from "./types.ts";
import { AppLink } from "./ui.tsx";
import "./style.css";

const PAGES = [
  { path: "/timeline", label: "Timeline", Page: TimelinePage },
  { path: "/book", label: "Book", Page: BookPage },
  { path: "/reservations", label: "Reservations", Page: ReservationsPage },
  { path: "/jobs", label: "Jobs", Page: JobsPage },
  { path: "/models", label: "Models", Page: ModelsPage },
  { path: "/cluster", label: "Cluster", Page: ClusterPage },
] as const;

interface Signed {
  token: string;
  me: Me;
  pools: Pool[];
}

async function signIn(token: string): Promise<Signed> {
  // Two questions at once; the timeline's first requests leave as soon as the pools are known.
  const poolsAsked = call<{ items: Pool[] }>("GET", "/pools", undefined, token);
  const [me, pools] = await Promise.all([
    call<Me>("GET", "/whoami", undefined, token),
    poolsAsked.then((p) => {
      if (session.token() === token && /^\/(timeline)?$/.test(location.pathname))
        prefetchOpeningView(p.items);
      return p;
    }),
  ]);
  return { token, me, pools: pools.items };
}

/** Which executor the server runs (for the simulated-cluster banner): asked after first paint. */
async function executorInUse(): Promise<string | undefined> {
  try {
    const r = await fetch("/readyz");
    return r.ok ? ((await r.json()) as { executor?: string }).executor : undefined;
  } catch {
    return undefined;
  }
}

function App() {
  const [signed, setSigned] = useState<Signed | null>(null);
  const [restoring, setRestoring] = useState(() => session.token() !== null);
  const [signInError, setSignInError] = useState<string>();
  const [stream, setStream] = useState<StreamStatus>("stopped");
  const [executor, setExecutor] = useState<string>();
  const [url, navigate] = useLocation();

  useEffect(() => {
    const saved = session.token();
    if (!saved) return;
    signIn(saved).then(
      (s) => {
        setSigned(s);
        setRestoring(false);
      },
      (err) => {
        if (err instanceof ApiError && err.status === 401) session.clear();
        setSignInError(errorText(err));
        setRestoring(false);
      },
    );
  }, []);

  useEffect(() => {
    if (!signed) return;
    executorInUse().then(setExecutor);
    return connectEvents(signed.token, setStream);
  }, [signed]);

  const state = useMemo<AppState | null>(
    () => (signed ? { me: signed.me, pools: signed.pools, navigate } : null),
    [signed, navigate],
  );

  useEffect(() => {
    const page = PAGES.find((p) => url.pathname.startsWith(p.path));
    document.title = signed && page ? `${page.label} · Berth` : "Berth";
  }, [url.pathname, signed]);

  if (restoring) return <p class="loading">Signing in…</p>;
  if (!signed || !state) {
    return (
      <SignIn
        error={signInError}
        onSubmit={async (token) => {
          setSignInError(undefined);
          try {
            const s = await signIn(token);
            session.save(token);
            setSigned(s);
            if (url.pathname === "/" || url.pathname === "") navigate("/timeline");
          } catch (err) {
            setSignInError(
              err instanceof ApiError && err.status === 401
                ? "That token is not valid (or was revoked): check it and try again."
                : errorText(err),
            );
          }
        }}
      />
    );
  }

  const current = PAGES.find((p) => url.pathname.startsWith(p.path)) ?? PAGES[0];
  const { Page } = current;
  const { me } = signed;
  return (
    <AppContext.Provider value={state}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand" aria-hidden="true">
          Berth
        </span>
        <nav aria-label="Main">
          <ul>
            {PAGES.map((p) => (
              <li key={p.path}>
                <AppLink to={p.path} current={p === current}>
                  {p.label}
                </AppLink>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span class={`stream ${stream}`} title="Live updates from the event stream">
            <span aria-hidden="true">●</span> {stream === "live" ? "Live" : stream}
          </span>
          <span>
            {plain(me.name)}
            {me.team ? ` · ${plain(me.team)}` : ""} · {me.role}
          </span>
          <button
            type="button"
            class="link"
            onClick={() => {
              session.clear();
              setSigned(null);
              navigate("/");
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      {executor === "simulated" && (
        <p class="banner">
          Simulated demo cluster: jobs do not run on real GPUs. Times are shown in {timeZoneName()}.
        </p>
      )}
      <Notices />
      <main id="main" tabIndex={-1}>
        <ErrorBoundary key={current.path}>
          <Page url={url} />
        </ErrorBoundary>
      </main>
    </AppContext.Provider>
  );
}

const root = document.getElementById("app");
if (root) render(<App />, root);
