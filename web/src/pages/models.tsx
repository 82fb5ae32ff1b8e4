// Models and their FP32-vs-FP16 A/B reports side by side, and promotion where the rules allow it;
// a refused promotion shows the server's reasons and the config it recommends instead.
import { useState } from "preact/hooks";
import { ApiError, call, errorText, get } from "../api.ts";
import { useApp, useEvents, useLoad } from "../hooks.ts";
import { plain } from "../text.ts";
import { formatStamp } from "../time.ts";
import type { AbCheck, AbReport, Model, Side } from "../types.ts";
import { Message } from "../ui.tsx";

const METRICS: { key: keyof Side; label: string; digits: number; points?: boolean; unit?: string }[] = [
  { key: "map5095", label: "mAP50-95", digits: 2, points: true },
  { key: "map50", label: "mAP50", digits: 2, points: true },
  { key: "apSmall", label: "AP small", digits: 2, points: true },
  { key: "imagesPerSecond", label: "Throughput", digits: 1, unit: "images/s" },
  { key: "peakMemoryMB", label: "Peak memory", digits: 0, unit: "MB" },
];

/** mAP values are fractions in the report; people read them as points (0–100). */
function show(v: number | undefined, m: (typeof METRICS)[number]): string {
  if (v === undefined || !Number.isFinite(v)) return "–";
  const x = m.points ? v * 100 : v;
  return `${x.toFixed(m.digits)}${m.unit ? ` ${m.unit}` : ""}`;
}

function verdict(c: AbCheck): string {
  if (c.state) return c.state;
  if (c.passed === true || c.report?.passed === true) return "passed";
  if (c.passed === false || c.report?.passed === false) return "failed";
  return "pending";
}

export function ModelsPage(_: { url: URL }) {
  const models = useLoad(() => get<{ items: Model[] }>("/models").then((x) => x.items), []);
  const checks = useLoad(() => get<{ items: AbCheck[] }>("/abchecks").then((x) => x.items), []);
  useEvents(["abcheck.", "model."], () => {
    models.reload();
    checks.reload();
  });
  const error = models.error ?? checks.error;
  return (
    <div>
      <h1>Models</h1>
      <p class="help">
        A model is promoted to FP16 only after its A/B check passed with FP16 arithmetic on a GPU; a CPU run
        measures rounding only and is labelled so.
      </p>
      <Message outcome={error} />
      {models.data && models.data.length === 0 && (
        <p>No models registered yet. A finished training job registers its exports.</p>
      )}
      {(models.data ?? []).map((m) => (
        <ModelCard
          key={m.id}
          model={m}
          checks={(checks.data ?? []).filter((c) => c.model === m.id)}
          onPromoted={models.reload}
        />
      ))}
    </div>
  );
}

function ModelCard(props: { model: Model; checks: AbCheck[]; onPromoted: () => void }) {
  const { model: m, checks } = props;
  const latest = checks[checks.length - 1];
  return (
    <section class="card" aria-label={`Model ${plain(m.name)} ${plain(m.version)}`}>
      <h2>
        <bdi>{plain(m.name)}</bdi> <span class="sub">version {plain(m.version)}</span>
      </h2>
      <p>
        Team {plain(m.team)}
        {m.state ? ` · ${plain(m.state)}` : ""}
        {m.inference?.precision
          ? ` · deployed as ${m.inference.precision}, batch ${m.inference.batch_size ?? "?"}${m.inference.use_tensorrt ? ", TensorRT" : ""}`
          : ""}
        {m.servingPool ? ` on ${plain(m.servingPool)}` : ""}
      </p>
      {latest?.report ? (
        <AbTable check={latest} report={latest.report} />
      ) : latest ? (
        <p>
          A/B check {latest.id}: {verdict(latest)}, no report yet.
        </p>
      ) : (
        <p>No A/B check yet.</p>
      )}
      {checks.length > 1 && (
        <p class="help">
          Earlier checks:{" "}
          {checks
            .slice(0, -1)
            .map((c) => `${c.id} (${verdict(c)})`)
            .join(", ")}
        </p>
      )}
      <Promote model={m} onPromoted={props.onPromoted} />
    </section>
  );
}

function AbTable({ check, report }: { check: AbCheck; report: AbReport }) {
  const reasons = check.reasons?.length ? check.reasons : (report.reasons ?? []);
  const v = verdict(check);
  return (
    <div>
      <div class="table-wrap">
        <table class="ab">
          <caption>
            A/B check {check.id}: <strong>{v}</strong>
            {check.createdAt ? `, ${formatStamp(Date.parse(check.createdAt))}` : ""}
          </caption>
          <thead>
            <tr>
              <th scope="col">Metric</th>
              <th scope="col">FP32</th>
              <th scope="col">FP16</th>
              <th scope="col">Change</th>
            </tr>
          </thead>
          <tbody>
            {METRICS.map((m) => {
              const a = report.fp32?.[m.key];
              const b = report.fp16?.[m.key];
              const d =
                m.key === "map5095" || m.key === "map50" || m.key === "apSmall"
                  ? (report.delta?.[m.key] ?? (a !== undefined && b !== undefined ? b - a : undefined))
                  : a !== undefined && b !== undefined
                    ? b - a
                    : undefined;
              return (
                <tr key={m.key}>
                  <th scope="row">{m.label}</th>
                  <td>{show(a, m)}</td>
                  <td>{show(b, m)}</td>
                  <td>{d === undefined ? "–" : `${d >= 0 ? "+" : ""}${show(d, m)}`}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p>
        {report.images !== undefined ? `${report.images} images · ` : ""}
        provider {plain(report.provider ?? "?")} · FP16 arithmetic:{" "}
        {report.fp16Arithmetic === "gpu"
          ? "on the GPU"
          : report.fp16Arithmetic === "emulated-on-cpu"
            ? "emulated on the CPU (measures rounding only; cannot unlock FP16)"
            : "unknown"}
        {report.delta?.ci95
          ? ` · 95% interval of the mAP50-95 change: ${(report.delta.ci95[0] * 100).toFixed(2)} to ${(report.delta.ci95[1] * 100).toFixed(2)} points`
          : ""}
        {check.unlocksFp16 !== undefined
          ? ` · ${check.unlocksFp16 ? "unlocks FP16" : "does not unlock FP16"}`
          : ""}
      </p>
      {reasons.length > 0 && (
        <ul>
          {reasons.map((r) => (
            <li key={r}>{plain(r)}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function recommendedText(rec: Record<string, unknown> | undefined): string {
  if (!rec) return "";
  const precision = rec.precision ?? rec.inference;
  const batch = rec.batch_size ?? rec.batchSize;
  const trt = rec.use_tensorrt ?? rec.useTensorrt;
  return ` The rules allow instead: ${String(precision ?? "?")}, batch ${String(batch ?? "?")}${trt ? ", TensorRT" : ""}.`;
}

function Promote({ model, onPromoted }: { model: Model; onPromoted: () => void }) {
  const { me, pools } = useApp();
  const [precision, setPrecision] = useState("fp16");
  const [pool, setPool] = useState(pools[0]?.name ?? "");
  const [batch, setBatch] = useState("8");
  const [tensorrt, setTensorrt] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string; reasons?: string[] }>();
  if (me.role !== "admin" && me.team !== model.team) return null;
  const id = model.id;
  return (
    <form
      class="inline promote"
      aria-label={`Promote ${plain(model.name)} ${plain(model.version)}`}
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          await call("POST", `/models/${encodeURIComponent(id)}/promote`, {
            precision,
            pool,
            batchSize: Number(batch),
            useTensorrt: tensorrt,
          });
          setOutcome({ ok: true, text: `Promoted as ${precision} on ${pool}.` });
          onPromoted();
        } catch (err) {
          const p = err instanceof ApiError ? err.problem : undefined;
          const reasons =
            (p?.reasons as string[] | undefined) ?? (p?.reason ? [String(p.reason)] : undefined);
          setOutcome({
            ok: false,
            text: `Refused: ${errorText(err)}${recommendedText(p?.recommended as Record<string, unknown> | undefined)}`,
            reasons,
          });
        }
      }}
    >
      <label for={`prec-${id}`}>Precision</label>
      <select id={`prec-${id}`} value={precision} onChange={(e) => setPrecision(e.currentTarget.value)}>
        <option value="fp16">fp16</option>
        <option value="fp32">fp32</option>
        <option value="int8">int8</option>
      </select>
      <label for={`pool-${id}`}>Serving pool</label>
      <select id={`pool-${id}`} value={pool} onChange={(e) => setPool(e.currentTarget.value)}>
        {pools.map((p) => (
          <option key={p.name} value={p.name}>
            {p.name} (cc {p.computeCapability})
          </option>
        ))}
      </select>
      <label for={`batch-${id}`}>Batch size</label>
      <input
        id={`batch-${id}`}
        type="number"
        min={1}
        max={4096}
        value={batch}
        onInput={(e) => setBatch(e.currentTarget.value)}
      />
      <label class="check">
        <input type="checkbox" checked={tensorrt} onChange={(e) => setTensorrt(e.currentTarget.checked)} />
        TensorRT
      </label>
      <button type="submit">Promote</button>
      {outcome && (
        <Message outcome={outcome}>
          {outcome.reasons && outcome.reasons.length > 1 && (
            <ul>
              {outcome.reasons.map((r) => (
                <li key={r}>{plain(r)}</li>
              ))}
            </ul>
          )}
        </Message>
      )}
    </form>
  );
}
