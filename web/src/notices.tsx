// What happened to my team's bookings while I was looking elsewhere: a displaced booking is announced
// at once (role=alert) with the reason and, when Berth offered one, the alternative as a button.
import { useState } from "preact/hooks";
import { call, errorText, get } from "./api.ts";
import { displacementReason } from "./displacement.ts";
import { useApp, useEachEvent } from "./hooks.ts";
import { plain } from "./text.ts";
import { formatStamp, formatWindow } from "./time.ts";
import { type Alternative, type Me, type Reservation, windowOf } from "./types.ts";

interface Notice {
  id: string;
  /** Displaced (lost its slots), or replaced (moved to other nodes, same time and shape). */
  kind: "displaced" | "replaced";
  reservation: Reservation | undefined;
  reservationId: string;
  reason: string;
  by: Reservation | undefined;
  alternative: Alternative | null;
  outcome?: string;
}

/** Alternatives offered live by `reservation.displaced` events, by reservation id, for this tab. */
export const offeredAlternatives = new Map<string, Alternative | null>();
/** Displaced reservations whose alternative this tab has booked, with what was booked. */
export const bookedAlternatives = new Map<string, Reservation>();

/** Books `alt` for the displaced booking (its title and priority) and says what happened. */
export async function bookAlternative(
  displaced: { id: string; team: string; title: string; priority: string } | undefined,
  alt: Alternative,
  me: Me,
): Promise<string> {
  try {
    const made = await call<Reservation>("POST", "/reservations", {
      ...windowOf(alt),
      priority: displaced?.priority ?? "normal",
      title: displaced?.title ?? "",
      ...(me.role === "admin" && displaced ? { team: displaced.team } : {}),
    });
    if (displaced) bookedAlternatives.set(displaced.id, made);
    return `Booked the alternative: ${formatWindow(Date.parse(made.start), Date.parse(made.end))}.`;
  } catch (err) {
    return errorText(err);
  }
}

export function Notices() {
  const { me } = useApp();
  const [notices, setNotices] = useState<Notice[]>([]);
  // Each event its own notice: two displacements told in the same instant are two notices.
  useEachEvent(["reservation.displaced", "reservation.replaced"], async (e) => {
    const data = e.data as { reservation?: string; team?: string; by?: string; reason?: string };
    const kind = e.type === "reservation.replaced" ? "replaced" : "displaced";
    const alternative = (e.data.alternative as Alternative | null | undefined) ?? null;
    if (data.reservation && kind === "displaced") offeredAlternatives.set(data.reservation, alternative);
    if (!data.reservation || (me.role !== "admin" && data.team !== me.team)) return;
    const [reservation, by] = await Promise.all([
      get<Reservation>(`/reservations/${encodeURIComponent(data.reservation)}`).catch(() => undefined),
      data.by
        ? get<Reservation>(`/reservations/${encodeURIComponent(data.by)}`).catch(() => undefined)
        : undefined,
    ]);
    const notice: Notice = {
      id: e.id || `${e.type} ${data.reservation}`,
      kind,
      reservationId: data.reservation,
      reservation,
      reason: displacementReason({ reason: data.reason ?? reservation?.reason }, by),
      by,
      alternative,
    };
    setNotices((ns) => [notice, ...ns.filter((n) => n.id !== notice.id)].slice(0, 5));
  });
  if (notices.length === 0) return null;
  return (
    <section class="notices" aria-label="Notices">
      {notices.map((n) =>
        n.kind === "replaced" ? (
          <div class="notice" role="alert" key={n.id}>
            <p>
              <strong>
                Your booking {n.reservation ? `"${plain(n.reservation.title)}"` : n.reservationId} was moved
                to other nodes.
              </strong>{" "}
              Its node went out of service; Berth re-placed it with the same time and GPUs
              {n.reservation
                ? ` (now on ${n.reservation.placement.map((p) => plain(p.node)).join(", ")})`
                : ""}
              .
            </p>
            <Dismiss onClick={() => setNotices((ns) => ns.filter((x) => x.id !== n.id))} />
          </div>
        ) : (
          <div class="notice" role="alert" key={n.id}>
            <p>
              <strong>
                Your booking {n.reservation ? `"${plain(n.reservation.title)}"` : n.reservationId} was
                displaced.
              </strong>{" "}
              {n.reservation &&
                `${n.reservation.pool}, ${n.reservation.nodes * n.reservation.gpusPerNode} GPUs, ${formatWindow(Date.parse(n.reservation.start), Date.parse(n.reservation.end))}. `}
              Why: {n.reason}.
            </p>
            {n.alternative && !n.outcome && (
              <p>
                Nearest free window offered:{" "}
                {formatWindow(Date.parse(n.alternative.start), Date.parse(n.alternative.end))}{" "}
                <button
                  type="button"
                  onClick={async () => {
                    const outcome = await bookAlternative(n.reservation, n.alternative!, me);
                    setNotices((ns) => ns.map((x) => (x.id === n.id ? { ...x, outcome } : x)));
                  }}
                >
                  Book alternative {formatStamp(Date.parse(n.alternative.start))}
                </button>
              </p>
            )}
            {!n.alternative && <p>Berth found no free window of the same shape to offer.</p>}
            {n.outcome && <p role="status">{n.outcome}</p>}
            <Dismiss onClick={() => setNotices((ns) => ns.filter((x) => x.id !== n.id))} />
          </div>
        ),
      )}
    </section>
  );
}

function Dismiss({ onClick }: { onClick: () => void }) {
  return (
    <button type="button" class="link" onClick={onClick}>
      Dismiss
    </button>
  );
}
