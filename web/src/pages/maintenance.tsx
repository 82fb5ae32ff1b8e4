// An admin takes a node out for a window (POST /maintenance): the bookings on it are displaced, each
// told why. A window over another maintenance window of the node is refused by the server (409,
// maintenance never displaces maintenance); its words are shown as an alert, never a blank screen.
import { useState } from "preact/hooks";
import { call, errorText } from "../api.ts";
import { plain } from "../text.ts";
import { floorTo, formatWindow, GRID, HOUR, isoUtc, parseLocalInput, toLocalInput } from "../time.ts";
import type { Reservation } from "../types.ts";
import { Field, Message, type Outcome, SelectField } from "../ui.tsx";

export function MaintenanceForm(props: { nodes: { name: string; pool: string }[] }) {
  const opening = floorTo(Date.now(), GRID) + 24 * HOUR;
  const [node, setNode] = useState(props.nodes[0]?.name ?? "");
  const [start, setStart] = useState(toLocalInput(opening));
  const [end, setEnd] = useState(toLocalInput(opening + 2 * HOUR));
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();

  const submit = async (e: Event) => {
    e.preventDefault();
    const from = parseLocalInput(start);
    const to = parseLocalInput(end);
    if (!from.ok) return setOutcome({ ok: false, text: `Start: ${from.message}.` });
    if (!to.ok) return setOutcome({ ok: false, text: `End: ${to.message}.` });
    setBusy(true);
    try {
      const made = await call<Reservation>("POST", "/maintenance", {
        node,
        start: isoUtc(from.ms),
        end: isoUtc(to.ms),
        ...(reason.trim() ? { reason: reason.trim() } : {}),
      });
      const displaced = made.displaced?.length ?? 0;
      setOutcome({
        ok: true,
        text: `Scheduled maintenance of ${plain(node)}, ${formatWindow(Date.parse(made.start), Date.parse(made.end))}; ${displaced} booking${displaced === 1 ? "" : "s"} displaced.`,
      });
    } catch (err) {
      setOutcome({ ok: false, text: `Not scheduled: ${errorText(err)}` });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-label="Maintenance">
      <h2>Schedule maintenance</h2>
      <form onSubmit={submit}>
        <SelectField
          id="maint-node"
          label="Node"
          value={node}
          onValue={setNode}
          options={props.nodes.map((n) => [n.name, `${plain(n.name)} (${plain(n.pool)})`] as const)}
        />
        <div class="row2">
          <Field
            id="maint-start"
            label="Maintenance start"
            placeholder="YYYY-MM-DDTHH:mm"
            autocomplete="off"
            value={start}
            onValue={setStart}
          />
          <Field
            id="maint-end"
            label="Maintenance end"
            placeholder="YYYY-MM-DDTHH:mm"
            autocomplete="off"
            value={end}
            onValue={setEnd}
          />
        </div>
        <Field id="maint-reason" label="Reason" maxLength={200} value={reason} onValue={setReason} />
        <p class="help">Bookings on the node in the window are displaced and told why.</p>
        <button type="submit" disabled={busy || !node}>
          Schedule maintenance
        </button>
      </form>
      <Message outcome={outcome} />
    </section>
  );
}
