// My and my team's reservations, with Cancel and Extend on each row, and for a displaced one the
// reason and an alternative (the one offered when it happened, else the nearest free window now).
import { useState } from "preact/hooks";
import { call, errorText, get, getAll } from "../api.ts";
import { displacementReason } from "../displacement.ts";
import { useApp, useEvents, useLoad } from "../hooks.ts";
import { bookAlternative, bookedAlternatives, offeredAlternatives } from "../notices.tsx";
import { plain } from "../text.ts";
import { formatStamp, formatWindow, HOUR, isoUtc, parseLocalInput, toLocalInput } from "../time.ts";
import type { Alternative, FreeWindow, Reservation } from "../types.ts";
import { Message, Table } from "../ui.tsx";
import { CalendarFeed } from "./calendar-feed.tsx";
import { PriorityBadge } from "./priority.tsx";

type Scope = "mine" | "team" | "all";

const OPEN_STATES = new Set(["confirmed", "active"]);

export function ReservationsPage(_: { url: URL }) {
  const { me } = useApp();
  const [scope, setScope] = useState<Scope>(me.team ? "team" : "all");
  const [showPast, setShowPast] = useState(false);
  const list = useLoad(async () => {
    const items = await getAll<Reservation>("/reservations", {
      team: scope === "all" ? undefined : (me.team ?? undefined),
      from: showPast ? undefined : isoUtc(Date.now() - 7 * 24 * HOUR),
    });
    const mine = scope === "mine" ? items.filter((r) => r.bookedBy === me.name) : items;
    return mine.sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  }, [scope, showPast]);
  useEvents(["reservation."], list.reload);
  const rows = list.data ?? [];
  return (
    <div>
      <h1>Reservations</h1>
      <div class="toolbar">
        <fieldset class="segmented">
          <legend>Show</legend>
          {(
            [
              ["mine", "Booked by me"],
              ["team", "My team's"],
              ["all", "Every team's"],
            ] as const
          ).map(([value, label]) => (
            <label key={value}>
              <input
                type="radio"
                name="scope"
                value={value}
                checked={scope === value}
                disabled={value !== "all" && !me.team}
                onChange={() => setScope(value)}
              />
              {label}
            </label>
          ))}
        </fieldset>
        <label class="check">
          <input type="checkbox" checked={showPast} onChange={(e) => setShowPast(e.currentTarget.checked)} />
          Include older than a week
        </label>
      </div>
      <Message outcome={list.error} />
      {!list.error && list.data && rows.length === 0 && (
        <p>No reservations here yet. Book some on the Book page.</p>
      )}
      {rows.length > 0 && (
        <Table
          label="Reservations"
          columns={["Title", "Team", "Pool", "GPUs", "When", "Priority", "State", "Actions"]}
        >
          {rows.map((r) => (
            <ReservationRow key={r.id} r={r} onChanged={list.reload} />
          ))}
        </Table>
      )}
      <CalendarFeed />
    </div>
  );
}

function ReservationRow({ r, onChanged }: { r: Reservation; onChanged: () => void }) {
  const { me } = useApp();
  const [editing, setEditing] = useState(false);
  const [newEnd, setNewEnd] = useState(() => toLocalInput(Date.parse(r.end) + HOUR));
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();
  const mayChange = me.role === "admin" || me.team === r.team;
  const open = OPEN_STATES.has(r.state);
  const act = async (what: () => Promise<Reservation>, done: (x: Reservation) => string) => {
    try {
      const x = await what();
      setMessage({ ok: true, text: done(x) });
      setEditing(false);
      onChanged();
    } catch (err) {
      setMessage({ ok: false, text: errorText(err) });
    }
  };
  const shape = `${r.nodes} × ${r.gpusPerNode}`;
  return (
    <tr class={`state-${r.state}`}>
      <td>
        <bdi>{plain(r.title) || "(untitled)"}</bdi>
        <div class="sub">{r.id}</div>
      </td>
      <td>
        <bdi>{plain(r.team)}</bdi>
      </td>
      <td>{r.pool}</td>
      <td>{shape}</td>
      <td>{formatWindow(Date.parse(r.start), Date.parse(r.end))}</td>
      <td>
        <PriorityBadge priority={r.priority} />
      </td>
      <td>
        {r.state}
        {r.state === "displaced" && <Displaced r={r} />}
      </td>
      <td class="actions-cell">
        <button
          type="button"
          class="secondary"
          disabled={!mayChange || !open}
          onClick={() =>
            act(
              () => call<Reservation>("DELETE", `/reservations/${encodeURIComponent(r.id)}`),
              () => `Cancelled "${plain(r.title) || r.id}".`,
            )
          }
        >
          Cancel
        </button>{" "}
        <button
          type="button"
          class="secondary"
          aria-expanded={editing}
          disabled={!mayChange || !open}
          onClick={() => setEditing((e) => !e)}
        >
          Extend
        </button>
        {editing && (
          <form
            class="inline"
            onSubmit={(e) => {
              e.preventDefault();
              const end = parseLocalInput(newEnd);
              if (!end.ok) return setMessage({ ok: false, text: `New end: ${end.message}` });
              void act(
                () =>
                  call<Reservation>("PATCH", `/reservations/${encodeURIComponent(r.id)}`, {
                    end: isoUtc(end.ms),
                  }),
                (x) => `Now ends ${formatStamp(Date.parse(x.end))}.`,
              );
            }}
          >
            <label for={`end-${r.id}`}>New end</label>
            <input
              id={`end-${r.id}`}
              type="text"
              value={newEnd}
              onInput={(e) => setNewEnd(e.currentTarget.value)}
            />
            <button type="submit">Save end</button>
          </form>
        )}
        <Message outcome={message} />
      </td>
    </tr>
  );
}

/** Why a booking was displaced and what it can have instead. */
function Displaced({ r }: { r: Reservation }) {
  const { me } = useApp();
  const by = useLoad(
    () =>
      r.displacedBy
        ? get<Reservation>(`/reservations/${encodeURIComponent(r.displacedBy)}`)
        : Promise.resolve(undefined),
    [r.displacedBy],
  );
  const offered = r.alternative ?? offeredAlternatives.get(r.id);
  const [found, setFound] = useState<Alternative | null>();
  const [outcome, setOutcome] = useState<string>();
  const alt = offered ?? found;
  const booked = bookedAlternatives.get(r.id);
  const duration = Date.parse(r.end) - Date.parse(r.start);
  const findNow = async () => {
    try {
      const out = await get<{ items: FreeWindow[] }>("/availability", {
        pool: r.pool,
        nodes: r.nodes,
        gpusPerNode: r.gpusPerNode,
        duration: Math.round(duration / 1000),
        after: isoUtc(Math.max(Date.parse(r.start), Math.ceil(Date.now() / (15 * 60_000)) * 15 * 60_000)),
        limit: 1,
      });
      const w = out.items[0];
      setFound(
        w ? { pool: r.pool, nodes: r.nodes, gpusPerNode: r.gpusPerNode, start: w.start, end: w.end } : null,
      );
    } catch (err) {
      setOutcome(errorText(err));
    }
  };
  return (
    <div class="displaced">
      <p>Why: {displacementReason(r, by.data)}.</p>
      {booked ? (
        <p>Alternative booked: {formatWindow(Date.parse(booked.start), Date.parse(booked.end))}.</p>
      ) : alt ? (
        <p>
          Alternative: {formatWindow(Date.parse(alt.start), Date.parse(alt.end))}{" "}
          {me.team === r.team || me.role === "admin" ? (
            <button type="button" onClick={async () => setOutcome(await bookAlternative(r, alt, me))}>
              Book alternative {formatStamp(Date.parse(alt.start))}
            </button>
          ) : null}
        </p>
      ) : found === null ? (
        <p>No free window of the same shape found.</p>
      ) : (
        <button type="button" class="secondary" onClick={findNow}>
          Find an alternative
        </button>
      )}
      {outcome && <p role="status">{outcome}</p>}
    </div>
  );
}
