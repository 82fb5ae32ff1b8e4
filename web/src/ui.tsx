// Small building blocks every page uses: a labelled field, a table with its header row, and a
// message (an error announced at once, a success announced politely).
import type { ComponentChildren, InputHTMLAttributes } from "preact";
import { useApp } from "./hooks.ts";

/** The input attributes the pages use (text and number fields only). */
interface InputProps {
  type?: "text" | "number";
  min?: number;
  max?: number | undefined;
  step?: number;
  maxLength?: number;
  placeholder?: string;
  autocomplete?: string;
  inputMode?: "numeric" | "text";
}

// Preact types each input `type` separately; the pages pass only text or number attributes.
const inputAttributes = (id: string, p: InputProps) =>
  ({ id, ...p, type: p.type ?? "text" }) as unknown as InputHTMLAttributes<HTMLInputElement>;

/** A label above an input; `onValue` receives the text typed. */
export function Field(
  props: {
    id: string;
    label: string;
    value: string;
    onValue: (v: string) => void;
    help?: string;
  } & InputProps,
) {
  const { id, label, value, onValue, help, ...rest } = props;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input {...inputAttributes(id, rest)} value={value} onInput={(e) => onValue(e.currentTarget.value)} />
      {help && <p class="help">{help}</p>}
    </div>
  );
}

/** A label above a select of `options` ([value, text] pairs). */
export function SelectField(props: {
  id: string;
  label: string;
  value: string;
  onValue: (v: string) => void;
  options: readonly (readonly [string, string])[];
  children?: ComponentChildren;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select id={props.id} value={props.value} onChange={(e) => props.onValue(e.currentTarget.value)}>
        {props.options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
      {props.children}
    </div>
  );
}

export function Table(props: { label: string; columns: string[]; children: ComponentChildren }) {
  return (
    <div class="table-wrap">
      <table class="list" aria-label={props.label}>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}

export interface Outcome {
  ok: boolean;
  text: string;
}

/** An outcome in words: errors are alerts (read at once), successes are polite status messages. */
export function Message(props: { outcome: Outcome | string | undefined; children?: ComponentChildren }) {
  const o = typeof props.outcome === "string" ? { ok: false, text: props.outcome } : props.outcome;
  if (!o) return null;
  return (
    <div class={o.ok ? "success" : "error"} role={o.ok ? "status" : "alert"}>
      <p>{o.text}</p>
      {props.children}
    </div>
  );
}

/** A link inside the app: a real href (new tab works) that navigates without a reload. */
export function AppLink(props: { to: string; current?: boolean; children: ComponentChildren }) {
  const { navigate } = useApp();
  return (
    <a
      href={props.to}
      aria-current={props.current ? "page" : undefined}
      onClick={(e) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(props.to);
      }}
    >
      {props.children}
    </a>
  );
}
