// Jobs: state and attempts, updated live from job.* events; a YOLO training run submitted into one of
// the team's reservations (or opportunistic, on free and lent GPUs, preemptible).
import { useState } from "preact/hooks";
import { call, errorText, getAll } from "../api.ts";
import { useApp, useEvents, useLoad } from "../hooks.ts";
import { plain } from "../text.ts";
import { formatStamp, formatWindow } from "../time.ts";
import type { Job, Reservation } from "../types.ts";
import { Field, Message, SelectField, Table } from "../ui.tsx";
import { PriorityBadge } from "./priority.tsx";

export function JobsPage({ url }: { url: URL }) {
  const { me } = useApp();
  const team = me.role === "admin" ? undefined : (me.team ?? undefined);
  const jobs = useLoad(async () => {
    const items = await getAll<Job>("/jobs", { team });
    return items.sort((a, b) => (b.submittedAt ?? b.id).localeCompare(a.submittedAt ?? a.id));
  }, [team]);
  useEvents(["job."], jobs.reload, 100);
  const rows = jobs.data ?? [];
  return (
    <div>
      <h1>Jobs</h1>
      <SubmitTraining preselect={url.searchParams.get("reservation") ?? ""} onSubmitted={jobs.reload} />
      <h2>{team ? `Team ${plain(team)}'s jobs` : "All jobs"}</h2>
      <Message outcome={jobs.error} />
      {!jobs.error && jobs.data && rows.length === 0 && <p>No jobs yet.</p>}
      {rows.length > 0 && (
        <Table
          label="Jobs"
          columns={[
            "Job",
            "Kind",
            "Pool",
            "GPUs",
            "Priority",
            "Reservation",
            "State",
            "Attempts",
            "GPU-hours",
            "Preemptions",
            "Actions",
          ]}
        >
          {rows.map((j) => (
            <JobRow key={j.id} job={j} onChanged={jobs.reload} />
          ))}
        </Table>
      )}
    </div>
  );
}

const FINISHED = new Set(["succeeded", "failed", "cancelled"]);

/** GPU-hours to two decimals; a run of a few GPU-seconds is "< 0.01", not a misleading 0.00. */
function gpuHoursText(h: number): string {
  return h > 0 && h < 0.005 ? "< 0.01" : h.toFixed(2);
}

function JobRow({ job, onChanged }: { job: Job; onChanged: () => void }) {
  const { me } = useApp();
  const [error, setError] = useState<string>();
  return (
    <tr>
      <td>
        {job.id}
        {job.submittedAt && <div class="sub">{formatStamp(Date.parse(job.submittedAt))}</div>}
      </td>
      <td>
        {job.kind}
        {job.source ? ` (${plain(job.source)})` : ""}
      </td>
      <td>{job.pool}</td>
      <td>{job.gpus}</td>
      <td>
        <PriorityBadge priority={job.priority} />
      </td>
      <td>{job.reservation ?? "opportunistic"}</td>
      <td>
        <span class={`job-state js-${job.state}`}>{job.state}</span>
      </td>
      <td>{job.attempts}</td>
      <td>{job.gpuHours === undefined ? "–" : gpuHoursText(job.gpuHours)}</td>
      <td>{job.preemptions ?? "–"}</td>
      <td>
        <button
          type="button"
          class="secondary"
          disabled={FINISHED.has(job.state) || (me.role !== "admin" && me.team !== job.team)}
          aria-label={`Cancel job ${job.id}`}
          onClick={async () => {
            try {
              await call("DELETE", `/jobs/${encodeURIComponent(job.id)}`);
              onChanged();
            } catch (err) {
              setError(errorText(err));
            }
          }}
        >
          Cancel
        </button>
        <Message outcome={error} />
      </td>
    </tr>
  );
}

function SubmitTraining(props: { preselect: string; onSubmitted: () => void }) {
  const { me, pools } = useApp();
  const reservations = useLoad(
    () =>
      getAll<Reservation>("/reservations", { team: me.team ?? undefined }).then((items) =>
        items.filter((r) => r.state === "confirmed" || r.state === "active"),
      ),
    [me.team],
  );
  useEvents(["reservation."], reservations.reload, 500);
  const [reservation, setReservation] = useState(props.preselect);
  const [pool, setPool] = useState(pools[0]?.name ?? "");
  const [gpus, setGpus] = useState("1");
  const [image, setImage] = useState("ultralytics/ultralytics:8.3.0");
  const [model, setModel] = useState("yolov8l.pt");
  const [data, setData] = useState("datasets/coco/data.yaml");
  const [epochs, setEpochs] = useState("100");
  const [imageSize, setImageSize] = useState("640");
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();
  const chosen = reservations.data?.find((r) => r.id === reservation);
  const gpuLimit = chosen ? chosen.nodes * chosen.gpusPerNode : undefined;
  return (
    <form
      class="card"
      aria-label="Submit a training job"
      onSubmit={async (e) => {
        e.preventDefault();
        setMessage(undefined);
        try {
          const job = await call<Job>("POST", "/jobs", {
            kind: "train",
            pool: chosen?.pool ?? pool,
            gpus: Number(gpus),
            ...(chosen ? { reservation: chosen.id } : {}),
            spec: {
              image,
              model,
              data,
              epochs: Number(epochs),
              imageSize: Number(imageSize),
            },
          });
          setMessage({ ok: true, text: `Submitted job ${job.id}: ${job.state}.` });
          props.onSubmitted();
        } catch (err) {
          setMessage({ ok: false, text: errorText(err) });
        }
      }}
    >
      <h2>Submit a YOLO training job</h2>
      <div class="row2">
        <SelectField
          id="job-reservation"
          label="Reservation"
          value={reservation}
          onValue={setReservation}
          options={[
            ["", "None: opportunistic (preemptible)"],
            ...(reservations.data ?? []).map(
              (r) =>
                [
                  r.id,
                  `${plain(r.title) || r.id} · ${r.pool} ${r.nodes}×${r.gpusPerNode} · ${formatWindow(Date.parse(r.start), Date.parse(r.end))}`,
                ] as const,
            ),
          ]}
        />
        {!chosen && (
          <SelectField
            id="job-pool"
            label="Job pool"
            value={pool}
            onValue={setPool}
            options={pools.map((p) => [p.name, p.name] as const)}
          />
        )}
        <Field
          id="job-gpus"
          label="GPUs"
          type="number"
          min={1}
          max={gpuLimit}
          value={gpus}
          onValue={setGpus}
        />
      </div>
      <div class="row2">
        <Field id="job-image" label="Image" value={image} onValue={setImage} />
        <Field id="job-model" label="Model" value={model} onValue={setModel} />
      </div>
      <div class="row2">
        <Field id="job-data" label="Dataset" value={data} onValue={setData} />
        <Field id="job-epochs" label="Epochs" type="number" min={1} value={epochs} onValue={setEpochs} />
        <Field
          id="job-imgsz"
          label="Image size"
          type="number"
          min={32}
          step={32}
          value={imageSize}
          onValue={setImageSize}
        />
      </div>
      <button type="submit">Submit job</button>
      <Message outcome={message} />
    </form>
  );
}
