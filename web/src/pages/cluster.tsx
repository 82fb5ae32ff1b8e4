// Cluster: per pool, the share of its GPUs booked over the past and next week (uPlot draws it on a
// canvas; the same numbers are summarised in words for screen readers), and the nodes' state.
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { get } from "../api.ts";
import { useApp, useEvents, useLoad } from "../hooks.ts";
import { plain } from "../text.ts";
import { DAY, floorTo, formatStamp, HOUR, isoUtc } from "../time.ts";
import type { Pool } from "../types.ts";
import { Message, Table } from "../ui.tsx";
import { MaintenanceForm } from "./maintenance.tsx";

interface Bucket {
  start: string;
  end: string;
  bookedFraction: number;
}

export function ClusterPage(_: { url: URL }) {
  const { pools, me } = useApp();
  const nodes = useLoad(
    () =>
      get<{ items: { name: string; pool: string; gpus: number; up: boolean }[] }>("/nodes").then(
        (x) => x.items,
      ),
    [],
  );
  return (
    <div>
      <h1>Cluster</h1>
      <p class="help">Share of each pool's GPUs booked, hour by hour, over the last and the next 7 days.</p>
      <div class="charts">
        {pools.map((p) => (
          <PoolChart key={p.name} pool={p} />
        ))}
      </div>
      <h2>Nodes</h2>
      <Message outcome={nodes.error} />
      {nodes.data && (
        <Table label="Nodes" columns={["Node", "Pool", "GPUs", "State"]}>
          {nodes.data.map((n) => (
            <tr key={n.name}>
              <td>{plain(n.name)}</td>
              <td>{plain(n.pool)}</td>
              <td>{n.gpus}</td>
              <td>{n.up ? "up" : "down"}</td>
            </tr>
          ))}
        </Table>
      )}
      {me.role === "admin" && nodes.data && nodes.data.length > 0 && <MaintenanceForm nodes={nodes.data} />}
    </div>
  );
}

function PoolChart({ pool }: { pool: Pool }) {
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(600);
  const data = useLoad(() => {
    const now = floorTo(Date.now(), HOUR);
    return get<{ buckets?: Bucket[]; items?: Bucket[] }>(
      `/pools/${encodeURIComponent(pool.name)}/utilisation`,
      {
        from: isoUtc(now - 7 * DAY),
        to: isoUtc(now + 7 * DAY),
        step: 3600,
      },
    ).then((x) => x.buckets ?? x.items ?? []);
  }, [pool.name]);
  useEvents(["reservation."], data.reload, 1000);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(Math.max(280, Math.floor(el.clientWidth))));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    const el = box.current;
    const buckets = data.data;
    if (!el || !buckets || buckets.length === 0) return;
    const xs = buckets.map((b) => Date.parse(b.start) / 1000);
    const ys = buckets.map((b) => Math.round(b.bookedFraction * 1000) / 10);
    const nowX = Date.now() / 1000;
    const plot = new uPlot(
      {
        width,
        height: 180,
        scales: { y: { range: [0, 100] } },
        axes: [{}, { label: "% booked", values: (_u, v) => v.map((x) => `${x}%`) }],
        series: [
          { label: "Time", value: (_u, v) => (v === null ? "" : formatStamp(v * 1000)) },
          {
            label: "Booked",
            stroke: "#1d4ed8",
            width: 2,
            fill: "rgba(29,78,216,0.12)",
            value: (_u, v) => (v === null ? "" : `${v}%`),
          },
        ],
        hooks: {
          draw: [
            (u) => {
              // The now-line: where the past ends.
              const x = u.valToPos(nowX, "x", true);
              const ctx = u.ctx;
              ctx.save();
              ctx.strokeStyle = "#b91c1c";
              ctx.lineWidth = 2;
              ctx.beginPath();
              ctx.moveTo(x, u.bbox.top);
              ctx.lineTo(x, u.bbox.top + u.bbox.height);
              ctx.stroke();
              ctx.restore();
            },
          ],
        },
      },
      [xs, ys],
      el,
    );
    return () => plot.destroy();
  }, [data.data, width]);

  const buckets = data.data ?? [];
  const nowMs = Date.now();
  const ahead = buckets.filter((b) => Date.parse(b.start) >= floorTo(nowMs, HOUR));
  const avg = ahead.length ? ahead.reduce((s, b) => s + b.bookedFraction, 0) / ahead.length : 0;
  const peak = ahead.reduce(
    (m, b) => (b.bookedFraction > m.bookedFraction ? b : m),
    ahead[0] ?? { bookedFraction: 0, start: "" },
  );
  return (
    <section class="card chart" aria-label={`Utilisation of ${plain(pool.name)}`}>
      <h2>
        {plain(pool.name)}{" "}
        <span class="sub">
          {plain(pool.product)} · {pool.nodes * pool.gpusPerNode} GPUs
        </span>
      </h2>
      <Message outcome={data.error} />
      <div ref={box} class="plot" aria-hidden="true" />
      {buckets.length > 0 && (
        <p>
          Next 7 days: {(avg * 100).toFixed(0)}% booked on average
          {peak.start
            ? `, peak ${(peak.bookedFraction * 100).toFixed(0)}% from ${formatStamp(Date.parse(peak.start))}`
            : ""}
          .
        </p>
      )}
    </section>
  );
}
