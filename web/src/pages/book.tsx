// Booking: the §7 form with a live answer. Every change asks the server a dry run (nothing is held),
// so the person sees before pressing Book whether it fits, what quota is left, whose bookings a
// higher priority would displace, or, on a conflict, who holds the slots and the nearest free
// windows as one-click bookings.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { displacedBookingText } from "../../../src/core/displacement-wording.ts";
import { ApiError, call, errorText, get } from "../api.ts";
import { useApp, useEvents } from "../hooks.ts";
import { plain } from "../text.ts";
import {
  DAY,
  formatDuration,
  formatStamp,
  formatWindow,
  GRID,
  HOUR,
  isoUtc,
  parseLocalInput,
  timeZoneName,
  toLocalInput,
} from "../time.ts";
import {
  type Alternative,
  type DryRun,
  type FreeWindow,
  PRIORITIES,
  type Priority,
  type Reservation,
  windowOf,
} from "../types.ts";
import { AppLink, Field, Message, SelectField } from "../ui.tsx";

interface Form {
  pool: string;
  nodes: string;
  gpusPerNode: string;
  start: string;
  end: string;
  priority: Priority;
  title: string;
  team: string;
}

interface Holder {
  reservation: string;
  team: string;
  priority: string;
  title?: string;
}

/** A free window of the asked shape, as the server suggests it. */
type Suggestion = Alternative;

type Answer =
  | { kind: "idle"; message: string }
  | { kind: "checking" }
  | { kind: "ok"; dry: DryRun; displaced: Reservation[] }
  | { kind: "taken"; detail: string; holders: Holder[]; suggestions: Suggestion[] }
  | { kind: "refused"; detail: string };

/** What POST /reservations takes: a window of a shape, with its priority and title. */
type Request = Alternative & { priority: Priority; title: string; team?: string };

function initialForm(url: URL, pools: { name: string; gpusPerNode: number }[], team: string): Form {
  const q = url.searchParams;
  const pool = pools.find((p) => p.name === q.get("pool")) ?? pools[0];
  const start = Date.parse(q.get("start") ?? "") || Math.ceil((Date.now() + HOUR) / HOUR) * HOUR;
  const end = Date.parse(q.get("end") ?? "") || start + 2 * HOUR;
  const priority = PRIORITIES.find((p) => p === q.get("priority")) ?? "normal";
  return {
    pool: pool?.name ?? "",
    nodes: q.get("nodes") ?? "1",
    gpusPerNode: q.get("gpusPerNode") ?? String(pool?.gpusPerNode ?? 1),
    start: toLocalInput(start),
    end: toLocalInput(end),
    priority,
    title: q.get("title") ?? "",
    team,
  };
}

/** The request the form stands for, or the first thing wrong with it in words. */
function toRequest(f: Form, admin: boolean): { ok: true; req: Request } | { ok: false; message: string } {
  const nodes = Number(f.nodes);
  const gpus = Number(f.gpusPerNode);
  if (!f.pool) return { ok: false, message: "Choose a pool." };
  if (!Number.isInteger(nodes) || nodes < 1)
    return { ok: false, message: "Nodes: a whole number, 1 or more." };
  if (!Number.isInteger(gpus) || gpus < 1)
    return { ok: false, message: "GPUs per node: a whole number, 1 or more." };
  const start = parseLocalInput(f.start);
  if (!start.ok) return { ok: false, message: `Start: ${start.message}.` };
  const end = parseLocalInput(f.end);
  if (!end.ok) return { ok: false, message: `End: ${end.message}.` };
  if (end.ms <= start.ms) return { ok: false, message: "End must be after Start." };
  return {
    ok: true,
    req: {
      pool: f.pool,
      nodes,
      gpusPerNode: gpus,
      start: isoUtc(start.ms),
      end: isoUtc(end.ms),
      priority: f.priority,
      title: f.title,
      ...(admin && f.team ? { team: f.team } : {}),
    },
  };
}

/** A booking this one would displace, in the same words wherever the preview names it. */
const displaced = (r: Reservation) =>
  displacedBookingText({ id: r.id, title: plain(r.title), team: plain(r.team), priority: r.priority });

const placementText = (p: { node: string; gpus: number[] }[]) =>
  p.map((s) => `${s.node} (GPU ${s.gpus.join(", ")})`).join("; ");

export function BookPage({ url }: { url: URL }) {
  const { me, pools } = useApp();
  const admin = me.role === "admin";
  const [form, setForm] = useState<Form>(() => initialForm(url, pools, me.team ?? ""));
  const [answer, setAnswer] = useState<Answer>({ kind: "checking" });
  const [result, setResult] = useState<{ ok: boolean; text: string; reservation?: Reservation }>();
  const [busy, setBusy] = useState(false);
  const [teams, setTeams] = useState<string[]>([]);
  const seq = useRef(0);
  const [recheck, setRecheck] = useState(0);

  const parsed = useMemo(() => toRequest(form, admin), [form, admin]);
  const pool = pools.find((p) => p.name === form.pool);
  // Just booked: the form now describes the booking made, so a dry run would only say "taken" by
  // it. The answer waits for the next change of a field.
  const booked = useRef(false);
  const set = (patch: Partial<Form>) => {
    booked.current = false;
    setResult(undefined);
    setForm((f) => ({ ...f, ...patch }));
  };

  useEffect(() => {
    if (!admin) return;
    get<{ items: { name: string }[] }>("/teams").then(
      (t) => setTeams(t.items.map((x) => x.name)),
      () => setTeams([]),
    );
  }, [admin]);

  // The live answer: a dry run a moment after the last keystroke; older answers are dropped.
  useEffect(() => {
    const mine = ++seq.current;
    if (!parsed.ok) {
      setAnswer({ kind: "idle", message: parsed.message });
      return;
    }
    if (admin && !form.team) {
      setAnswer({ kind: "idle", message: "Team: an admin books for a team; choose one." });
      return;
    }
    setAnswer({ kind: "checking" });
    const timer = setTimeout(async () => {
      const next = await check(parsed.req);
      if (mine === seq.current) setAnswer(next);
    }, 250);
    return () => clearTimeout(timer);
  }, [parsed, recheck]);

  // Someone else's booking or cancellation can change the answer: ask again.
  useEvents(["reservation."], () => booked.current || setRecheck((n) => n + 1), 300);

  const book = async (req: Request) => {
    setBusy(true);
    try {
      const made = await call<Reservation>("POST", "/reservations", req);
      const displaced = made.displaced?.length ? ` It displaced ${made.displaced.length} booking(s).` : "";
      setResult({
        ok: true,
        reservation: made,
        text: `Booked "${plain(made.title) || "untitled"}": ${made.pool}, ${made.nodes} × ${made.gpusPerNode} GPUs, ${formatWindow(Date.parse(made.start), Date.parse(made.end))} on ${placementText(made.placement)}.${displaced}`,
      });
      booked.current = true;
      seq.current++;
      setAnswer({ kind: "idle", message: "Booked. Change any field to check another booking." });
    } catch (err) {
      setResult({ ok: false, text: errorText(err) });
      // Taken since the last dry run: show who holds it and the suggestions, as the dry run would.
      if (err instanceof ApiError && err.kind === "slot-taken") {
        const mine = ++seq.current;
        const taken = await answerFromError(err);
        if (mine === seq.current) setAnswer(taken);
      }
    } finally {
      setBusy(false);
    }
  };

  const quota = answer.kind === "ok" ? answer.dry.quotaLeft[form.priority] : undefined;
  return (
    <div class="book">
      <h1>Book GPUs</h1>
      <p class="help">Times are in your time zone ({timeZoneName()}); Berth stores them in UTC.</p>
      <div class="book-grid">
        <form
          class="card"
          aria-label="Booking"
          onSubmit={(e) => {
            e.preventDefault();
            if (busy) return;
            if (parsed.ok) void book(parsed.req);
            else setResult({ ok: false, text: parsed.message });
          }}
        >
          <SelectField
            id="pool"
            label="Pool"
            value={form.pool}
            options={pools.map((p) => [p.name, p.name] as const)}
            onValue={(name) => {
              const p = pools.find((x) => x.name === name);
              set({ pool: name, gpusPerNode: String(p?.gpusPerNode ?? form.gpusPerNode) });
            }}
          >
            {pool && (
              <p class="help">
                {plain(pool.product)}: {pool.nodes} nodes × {pool.gpusPerNode} GPUs, compute capability{" "}
                {pool.computeCapability}
              </p>
            )}
          </SelectField>
          <div class="row2">
            {(
              [
                ["nodes", "Nodes", pool?.nodes],
                ["gpusPerNode", "GPUs per node", pool?.gpusPerNode],
              ] as const
            ).map(([k, label, max]) => (
              <Field
                key={k}
                id={k}
                label={label}
                type="number"
                min={1}
                max={max}
                inputMode="numeric"
                value={form[k]}
                onValue={(v) => set({ [k]: v })}
              />
            ))}
          </div>
          <div class="row2">
            {(["start", "end"] as const).map((k) => (
              <Field
                key={k}
                id={k}
                label={k === "start" ? "Start" : "End"}
                placeholder="YYYY-MM-DDTHH:mm"
                autocomplete="off"
                value={form[k]}
                onValue={(v) => set({ [k]: v })}
              />
            ))}
          </div>
          {parsed.ok && (
            <p class="help">
              {formatDuration(Date.parse(parsed.req.end) - Date.parse(parsed.req.start))},{" "}
              {parsed.req.nodes * parsed.req.gpusPerNode} GPUs. Starts and ends fall on quarter hours.
            </p>
          )}
          <SelectField
            id="priority"
            label="Priority"
            value={form.priority}
            options={PRIORITIES.map((p) => [p, p] as const)}
            onValue={(p) => set({ priority: p as Priority })}
          />
          {admin && (
            <SelectField
              id="team"
              label="Team"
              value={form.team}
              options={[["", "(choose a team)"], ...teams.map((t) => [t, plain(t)] as const)]}
              onValue={(team) => set({ team })}
            />
          )}
          <Field
            id="title"
            label="Title"
            maxLength={200}
            value={form.title}
            onValue={(title) => set({ title })}
          />
          {answer.kind === "ok" && answer.displaced.length > 0 && (
            <div class="warn" id="displaces">
              <p>
                <strong>
                  Booking this displaces {answer.displaced.length} booking
                  {answer.displaced.length === 1 ? "" : "s"}:
                </strong>
              </p>
              <ul>
                {answer.displaced.map((r) => (
                  <li key={r.id}>
                    {displaced(r)}, {formatWindow(Date.parse(r.start), Date.parse(r.end))}
                  </li>
                ))}
              </ul>
              <p class="help">Their owners are told why and offered the nearest free window.</p>
            </div>
          )}
          <p class={`answer-line ${answer.kind}`} aria-hidden="true">
            {answerLine(answer)}
          </p>
          <div class="actions">
            <button
              type="submit"
              disabled={busy}
              aria-describedby={answer.kind === "ok" && answer.displaced.length > 0 ? "displaces" : undefined}
            >
              Book
            </button>
          </div>
          {result && (
            <Message outcome={result}>
              {result.reservation && (
                <p>
                  <AppLink to="/reservations">Open the list</AppLink> or{" "}
                  <AppLink to={`/jobs?reservation=${encodeURIComponent(result.reservation.id)}`}>
                    submit a job into it
                  </AppLink>
                  .
                </p>
              )}
            </Message>
          )}
        </form>
        <div class="side">
          <section
            class="card availability"
            aria-label="Availability"
            aria-live="polite"
            aria-busy={answer.kind === "checking"}
          >
            <h2>Availability</h2>
            <AnswerView
              answer={answer}
              quota={quota}
              priority={form.priority}
              busy={busy}
              onBook={(s) => parsed.ok && void book({ ...parsed.req, ...windowOf(s) })}
            />
          </section>
          <WhenFree
            form={form}
            admin={admin}
            onBook={(s) => parsed.ok && void book({ ...parsed.req, ...windowOf(s) })}
          />
        </div>
      </div>
    </div>
  );
}

/** The live answer in one line next to Book (the Availability box, further away on a phone, says it all). */
function answerLine(a: Answer): string {
  switch (a.kind) {
    case "ok":
      return a.displaced.length > 0 ? `✓ Fits by displacing ${a.displaced.length}` : "✓ Fits";
    case "taken":
      return "✗ Taken: see Availability for free windows";
    case "refused":
      return "✗ Refused: see Availability";
    case "checking":
      return "Checking…";
    case "idle":
      return "";
  }
}

async function check(req: Request): Promise<Answer> {
  try {
    const dry = await call<DryRun>("POST", "/reservations?dryRun=true", req);
    const displaced = await Promise.all(
      dry.displaces.map((id) =>
        get<Reservation>(`/reservations/${encodeURIComponent(id)}`).catch(
          () => ({ id, title: id, team: "?", priority: "?" }) as unknown as Reservation,
        ),
      ),
    );
    return { kind: "ok", dry, displaced };
  } catch (err) {
    return answerFromError(err);
  }
}

/** A refusal as the Availability box shows it; a conflict names its holders and the suggestions. */
async function answerFromError(err: unknown): Promise<Answer> {
  if (!(err instanceof ApiError && err.kind === "slot-taken"))
    return { kind: "refused", detail: errorText(err) };
  const holders = (err.problem.holders as Holder[] | undefined) ?? [];
  const titled = await Promise.all(
    holders.map(async (h) => {
      const r = await get<Reservation>(`/reservations/${encodeURIComponent(h.reservation)}`).catch(
        () => undefined,
      );
      return { ...h, title: r?.title };
    }),
  );
  return {
    kind: "taken",
    detail: err.message,
    holders: titled,
    suggestions: (err.problem.suggestions as Suggestion[] | undefined) ?? [],
  };
}

function SuggestionButton(props: { s: Suggestion; busy: boolean; onBook: (s: Suggestion) => void }) {
  const { s } = props;
  const start = Date.parse(s.start);
  const end = Date.parse(s.end);
  return (
    <button type="button" class="suggestion" disabled={props.busy} onClick={() => props.onBook(s)}>
      Book {formatStamp(start)} – {formatStamp(end)} ({s.pool}, {s.nodes} × {s.gpusPerNode} GPUs)
    </button>
  );
}

function AnswerView(props: {
  answer: Answer;
  quota: number | null | undefined;
  priority: Priority;
  busy: boolean;
  onBook: (s: Suggestion) => void;
}) {
  const { answer } = props;
  switch (answer.kind) {
    case "idle":
      return <p>{answer.message}</p>;
    case "checking":
      return <p>Checking…</p>;
    case "refused":
      return <p class="error">{answer.detail}</p>;
    case "ok":
      return (
        <div>
          <p class="good">
            <span aria-hidden="true">✓ </span>Available on {placementText(answer.dry.placement)}.
          </p>
          {answer.displaced.length > 0 && (
            <p class="warn-text">
              Only by displacing {answer.displaced.length} lower-priority booking
              {answer.displaced.length === 1 ? "" : "s"}: {answer.displaced.map(displaced).join(", ")}.
            </p>
          )}
          <p>
            Quota left this week at {props.priority} after this booking:{" "}
            {props.quota === null || props.quota === undefined
              ? "unlimited"
              : `${Math.round(props.quota * 100) / 100} GPU-hours`}
            .
          </p>
        </div>
      );
    case "taken":
      return (
        <div>
          <p class="error">
            <span aria-hidden="true">✗ </span>Taken. {answer.detail}
          </p>
          {answer.holders.length > 0 && (
            <>
              <p>Held by:</p>
              <ul>
                {answer.holders.map((h) => (
                  <li key={h.reservation}>
                    team {plain(h.team)} at {h.priority}
                    {h.title ? ` ("${plain(h.title)}")` : ""}
                  </li>
                ))}
              </ul>
            </>
          )}
          {answer.suggestions.length > 0 ? (
            <>
              <p>Nearest free windows of this shape:</p>
              <ul class="plain">
                {answer.suggestions.map((s) => (
                  <li key={`${s.pool}-${s.start}`}>
                    <SuggestionButton s={s} busy={props.busy} onBook={props.onBook} />
                  </li>
                ))}
              </ul>
            </>
          ) : (
            <p>No free window of this shape was found nearby.</p>
          )}
        </div>
      );
  }
}

/** "When could I get N GPUs of X": the earliest free windows of the form's shape and length. */
function WhenFree(props: { form: Form; admin: boolean; onBook: (s: Suggestion) => void }) {
  const { form } = props;
  const [windows, setWindows] = useState<FreeWindow[]>();
  const [error, setError] = useState<string>();
  const start = parseLocalInput(form.start);
  const end = parseLocalInput(form.end);
  const duration = start.ok && end.ok && end.ms > start.ms ? end.ms - start.ms : 2 * HOUR;
  const find = async () => {
    setError(undefined);
    try {
      const after = start.ok ? Math.max(start.ms, Date.now()) : Date.now();
      const out = await get<{ items: FreeWindow[] }>("/availability", {
        pool: form.pool,
        nodes: Number(form.nodes) || 1,
        gpusPerNode: Number(form.gpusPerNode) || 1,
        duration: Math.round(Math.min(duration, 14 * DAY) / 1000),
        after: isoUtc(Math.floor(after / GRID) * GRID),
        limit: 5,
      });
      setWindows(out.items);
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <section class="card" aria-label="Free windows">
      <h2>When could I get it?</h2>
      <p class="help">
        The earliest {formatDuration(duration)} windows for {Number(form.nodes) || 1} ×{" "}
        {Number(form.gpusPerNode) || 1} GPUs of {form.pool}, from the start you typed.
      </p>
      <button type="button" class="secondary" onClick={find}>
        Find free windows
      </button>
      <Message outcome={error} />
      {windows && windows.length === 0 && <p>No free window found within the booking horizon.</p>}
      {windows && windows.length > 0 && (
        <ul class="plain">
          {windows.map((w) => (
            <li key={w.start}>
              <SuggestionButton
                s={{
                  pool: form.pool,
                  nodes: Number(form.nodes) || 1,
                  gpusPerNode: Number(form.gpusPerNode) || 1,
                  start: w.start,
                  end: w.end,
                }}
                busy={false}
                onBook={props.onBook}
              />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
