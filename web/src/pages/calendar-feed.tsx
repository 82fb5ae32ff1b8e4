// The team's reservations in the calendar people already use: a read-only feed URL (the calendar
// token is in it, shown once) to paste into Google Calendar, Outlook or Apple Calendar, and the
// team's feeds with a way to revoke one.
import { useState } from "preact/hooks";
import { call, errorText, get } from "../api.ts";
import { useApp, useLoad } from "../hooks.ts";
import { plain } from "../text.ts";
import { formatStamp } from "../time.ts";
import { Message, type Outcome } from "../ui.tsx";

interface CalendarToken {
  id: string;
  name: string;
  createdBy: string;
  createdAt: string;
  revokedAt: string | null;
}

export function CalendarFeed() {
  const { me } = useApp();
  const team = me.team;
  const feeds = useLoad(
    () =>
      team
        ? get<{ items: CalendarToken[] }>(`/teams/${encodeURIComponent(team)}/calendar-tokens`).then((r) =>
            r.items.filter((t) => !t.revokedAt),
          )
        : Promise.resolve([]),
    [team],
  );
  const [url, setUrl] = useState<string>();
  const [outcome, setOutcome] = useState<Outcome>();
  if (!team) return null;
  const create = async () => {
    try {
      const made = await call<{ url: string }>("POST", `/teams/${encodeURIComponent(team)}/calendar-tokens`, {
        name: `${team} reservations (${me.name})`,
      });
      setUrl(new URL(made.url, location.origin).href);
      setOutcome(undefined);
      feeds.reload();
    } catch (err) {
      setOutcome({ ok: false, text: errorText(err) });
    }
  };
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url!);
      setOutcome({ ok: true, text: "Feed URL copied." });
    } catch {
      setOutcome({ ok: false, text: "Copying was refused by the browser: select the URL and copy it." });
    }
  };
  const revoke = async (id: string) => {
    try {
      await call("DELETE", `/teams/${encodeURIComponent(team)}/calendar-tokens/${encodeURIComponent(id)}`);
      setOutcome({ ok: true, text: "Feed revoked: calendars subscribed to it stop updating." });
      feeds.reload();
    } catch (err) {
      setOutcome({ ok: false, text: errorText(err) });
    }
  };
  return (
    <section class="calendar-feed" aria-label="Calendar feed">
      <h2>Calendar feed</h2>
      <p>
        Team {plain(team)}'s reservations as a read-only iCalendar feed, for Google Calendar, Outlook or Apple
        Calendar ("subscribe from URL"). Anyone with the URL can read the team's bookings, nothing else.
      </p>
      {url ? (
        <div class="feed-url">
          <label>
            Calendar feed URL
            <input type="text" readOnly value={url} onFocus={(e) => e.currentTarget.select()} />
          </label>
          <button type="button" onClick={copy}>
            Copy feed URL
          </button>
          <p class="sub">Shown once: Berth keeps only a hash of it.</p>
        </div>
      ) : (
        <button type="button" class="secondary" onClick={create}>
          Create calendar feed
        </button>
      )}
      <Message outcome={outcome} />
      {(feeds.data ?? []).length > 0 && (
        <ul class="feeds" aria-label="Active calendar feeds">
          {feeds.data!.map((f) => (
            <li key={f.id}>
              {plain(f.name)}, created {formatStamp(Date.parse(f.createdAt))} by {plain(f.createdBy)}{" "}
              <button
                type="button"
                class="link"
                onClick={() => revoke(f.id)}
                aria-label={`Revoke feed ${f.name}`}
              >
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
