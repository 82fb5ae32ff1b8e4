// The timeline: pools and their nodes down, time across, one bar per hold. Drawn by hand (absolutely
// placed buttons in virtualised rows): vis-timeline does not virtualise rows, and each bar must be a
// focusable element whose name says what it is. Dragging across a node's free time opens the
// booking form with that window; the view follows the event stream.
import { Component, type VNode } from "preact";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { errorText } from "../api.ts";
import { useApp, useEvents } from "../hooks.ts";
import { plain } from "../text.ts";
import {
  DAY,
  formatClock,
  formatDay,
  formatStamp,
  formatWeekday,
  formatWindow,
  GRID,
  HOUR,
  isoUtc,
  localDayStart,
  timeZoneName,
} from "../time.ts";
import { loadRange, OPENING_SPAN, occupancyOf } from "../timeline/first-load.ts";
import {
  axisTicks,
  type Bar,
  buildRows,
  freeGpus,
  LANE_HEIGHT,
  labelStep,
  type Row,
  sameBars,
  visibleRows,
} from "../timeline/layout.ts";
import type { Hold, NodeOccupancy, Pool } from "../types.ts";
import { AppLink, Message, Table } from "../ui.tsx";
import { PRIORITY_MARK, PriorityBadge } from "./priority.tsx";

const ZOOMS = [
  { label: "Hour", span: 12 * HOUR },
  { label: "Day", span: 2 * DAY },
  { label: "Week", span: OPENING_SPAN },
] as const;
const OVERSCAN = 300;
/**
 * Scroll positions are followed in steps of this many px (well inside OVERSCAN): a trackpad's many
 * small scroll events re-render the page once per step, not once per event.
 */
const SCROLL_STEP = 64;
/**
 * Bars in the view's window (a row counts as two more) drawn or re-placed in one frame at most; the
 * rows past it are drawn in the next frames, the rows in view first. A jump to a fresh set of rows
 * (~16 rows, ~62 bars) or a zoom was one frame's task of 100 ms on a CPU throttled 4x. Measured at
 * 6x (BENCHMARKS.md, Web UI, Round 5): 16 left no long task where 24 left one now and then; a
 * budget following each frame's measured time was tried and dropped (the timings of short renders
 * on a throttled or busy CPU are too noisy to follow: 1 ms one frame, 15 ms the next).
 */
const FRAME_BARS = 16;
/** Space between an axis label's text and the next tick (the label starts 4 px after its own). */
const LABEL_GAP = 10;

let measure: CanvasRenderingContext2D | null | undefined;
/** The width of an axis label as the browser draws it (`.tl-tick span`: 0.78rem, bold at midnights). */
function textWidth(text: string, bold: boolean): number {
  if (measure === undefined) measure = document.createElement("canvas").getContext("2d");
  if (!measure) return text.length * 8;
  const root = getComputedStyle(document.documentElement);
  const px = 0.78 * Number.parseFloat(root.fontSize || "15");
  measure.font = `${bold ? 700 : 400} ${px}px ${getComputedStyle(document.body).fontFamily}`;
  return measure.measureText(text).width;
}

interface Drag {
  pool: Pool;
  node: NodeOccupancy;
  from: number;
  to: number;
  rowTop: number;
}

const holdName = (h: Hold) =>
  `${plain(h.title) || "untitled"}, team ${plain(h.team)}, ${h.priority} priority, ${h.gpus.length} GPU${h.gpus.length === 1 ? "" : "s"}, ${formatWindow(Date.parse(h.start), Date.parse(h.end))}, ${h.kind === "maintenance" ? "maintenance" : h.state}${idleNote(h)}`;

/** Reserved-but-idle, where the server says how many of the hold's GPUs run its own jobs. */
function idleNote(h: Hold): string {
  if (h.state !== "active" || h.runningGpus === undefined) return "";
  if (h.runningGpus === 0) return h.lentGpus ? `, idle (${h.lentGpus} lent)` : ", idle";
  return h.lentGpus ? `, ${h.lentGpus} GPUs lent` : "";
}

/** What a node row shows: its bars on a scale (`view`), or, not yet drawn, its label only. */
interface View {
  viewStart: number;
  span: number;
  trackWidth: number;
  labelWidth: number;
}
interface Shown {
  row: NodeRowData;
  view: View;
  drawn: boolean;
}

/**
 * The frame budget is shared by every render in one task (a scroll event's and an animation
 * frame's render can fall in the same frame); it is refilled once the task has ended.
 */
let spent = 0;
let refill: MessageChannel | undefined;
function spend(cost: number): void {
  if (spent === 0) {
    if (!refill) {
      refill = new MessageChannel();
      refill.port1.onmessage = () => {
        spent = 0;
      };
    }
    refill.port2.postMessage(null);
  }
  spent += cost;
}

const barsInView = (row: NodeRowData, view: View) => {
  const end = view.viewStart + view.span;
  let n = 2;
  for (const b of row.bars) if (b.end > view.viewStart && b.start < end) n++;
  return n;
};

export function TimelinePage(_: { url: URL }) {
  const { pools, navigate } = useApp();
  const [span, setSpan] = useState<number>(ZOOMS[2].span);
  const [viewStart, setViewStart] = useState(() => localDayStart(Date.now()));
  const [occupancy, setOccupancy] = useState<Map<string, NodeOccupancy[]>>(new Map());
  const [loaded, setLoaded] = useState<{ from: number; to: number } | null>(null);
  const [error, setError] = useState<string>();
  const [collapsed, setCollapsed] = useState<Set<string>>(() => new Set());
  const [selected, setSelected] = useState<Hold>();
  const [now, setNow] = useState(Date.now());
  const [size, setSize] = useState({ width: 1000, height: 500 });
  const [scrollTop, setScrollTop] = useState(0);
  const [drag, setDrag] = useState<Drag>();
  const [reloads, setReloads] = useState(0);
  const [asList, setAsList] = useState(false);
  const scroller = useRef<HTMLDivElement>(null);
  const narrow = size.width < 640;
  const labelWidth = narrow ? 92 : 168;
  const trackWidth = Math.max(100, size.width - labelWidth);
  const viewEnd = viewStart + span;
  const x = (t: number) => ((t - viewStart) / span) * trackWidth;
  const timeAt = (px: number) => viewStart + (px / trackWidth) * span;

  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(id);
  }, []);

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setSize({ width: el.clientWidth, height: el.clientHeight }));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Load occupancy around the view (a view's width each side), again when the view leaves it or an
  // event says a booking changed.
  const needsLoad = !loaded || viewStart < loaded.from || viewEnd > loaded.to;
  useEffect(() => {
    if (!needsLoad && reloads === 0) return;
    let live = true;
    const { from, to } = loadRange(viewStart, span);
    // Each pool's answer is drawn as it comes (its lanes laid out once, layout.ts caches them), so
    // no one task lays out all 10 000 holds of a large cluster.
    const answers = pools.map((p) =>
      occupancyOf(p.name, from, to).then((o) => {
        if (live) setOccupancy((m) => new Map(m).set(o.pool, o.nodes));
      }),
    );
    Promise.all(answers).then(
      () => {
        if (!live) return;
        setLoaded({ from, to });
        setError(undefined);
      },
      (err) => live && setError(errorText(err)),
    );
    return () => {
      live = false;
    };
  }, [needsLoad, reloads, pools]);
  useEvents(["reservation."], () => setReloads((n) => n + 1), 150);

  const { rows, height } = useMemo(
    () => buildRows(pools, occupancy, collapsed),
    [pools, occupancy, collapsed],
  );
  const rowOfNode = useMemo(() => {
    const m = new Map<string, NodeRowData>();
    for (const r of rows) if (r.kind === "node") m.set(r.node.node, r);
    return m;
  }, [rows]);
  const [first, last] = visibleRows(
    rows,
    scrollTop - OVERSCAN,
    scrollTop + SCROLL_STEP + size.height + OVERSCAN,
  );
  const view = useMemo<View>(
    () => ({ viewStart, span, trackWidth, labelWidth }),
    [viewStart, span, trackWidth, labelWidth],
  );
  const pxPerHour = (trackWidth * HOUR) / span;
  const ticks = useMemo(() => {
    // Labels are measured as drawn (locale, font), so none overlaps its neighbour at any width.
    const clockPx = textWidth(formatClock(Date.UTC(2026, 0, 1, 12)), false) + LABEL_GAP;
    const room = labelStep(pxPerHour, clockPx) * pxPerHour;
    return axisTicks(
      viewStart,
      viewEnd,
      pxPerHour,
      (t) => {
        const d = new Date(t);
        if (d.getHours() !== 0) return formatClock(t);
        // Midnights: as much of the date as the space to the next label holds.
        for (const text of [formatDay(t), formatWeekday(t)])
          if (textWidth(text, true) + LABEL_GAP <= room) return text;
        return String(d.getDate());
      },
      clockPx,
    );
  }, [viewStart, viewEnd, pxPerHour]);

  // The axis and the grid change with the view, not with the scroll position: kept as the same
  // elements while scrolling, so a scroll's render diffs only the rows.
  const axis = useMemo(
    () => (
      <div class="tl-axis" style={{ paddingLeft: `${labelWidth}px` }} aria-hidden="true">
        <div class="tl-axis-track" style={{ width: `${trackWidth}px` }}>
          {ticks.map((t) => (
            <div
              key={t.at}
              class={`tl-tick${t.major ? " major" : ""}${t.label ? " labelled" : ""}`}
              style={{ left: `${x(t.at)}px` }}
            >
              {t.label && <span>{t.label}</span>}
            </div>
          ))}
        </div>
      </div>
    ),
    [ticks, labelWidth, trackWidth, viewStart, span],
  );
  const grid = useMemo(
    () => (
      <div class="tl-grid" style={{ left: `${labelWidth}px`, width: `${trackWidth}px` }} aria-hidden="true">
        {ticks
          .filter((t) => t.label)
          .map((t) => (
            <div
              key={t.at}
              class={`tl-gridline${t.major ? " major" : ""}`}
              style={{ left: `${x(t.at)}px` }}
            />
          ))}
        {now >= viewStart && now <= viewEnd && (
          <div class="tl-now" style={{ left: `${x(now)}px` }} title="Now" />
        )}
      </div>
    ),
    [ticks, labelWidth, trackWidth, viewStart, span, now],
  );

  const pan = (fraction: number) => setViewStart((v) => v + Math.round((span * fraction) / GRID) * GRID);
  // Zooming keeps "now" in view when it was (anchored an eighth from the left), else the centre.
  const zoom = (next: number) => {
    const t = Date.now();
    const anchor = t >= viewStart && t < viewEnd ? t - next / 8 : viewStart + span / 2 - next / 2;
    setSpan(next);
    setViewStart(Math.round(anchor / GRID) * GRID);
  };

  // Keyboard: with focus anywhere in the timeline, ←/→ move in time and +/− zoom.
  const onKey = (e: KeyboardEvent) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const i = ZOOMS.findIndex((z) => z.span === span);
    if (e.key === "ArrowLeft") pan(-0.125);
    else if (e.key === "ArrowRight") pan(0.125);
    else if ((e.key === "+" || e.key === "=") && i > 0) zoom(ZOOMS[i - 1]!.span);
    else if (e.key === "-" && i >= 0 && i < ZOOMS.length - 1) zoom(ZOOMS[i + 1]!.span);
    else return;
    e.preventDefault();
  };

  const onWheel = (e: WheelEvent) => {
    const dx = Math.abs(e.deltaX) > Math.abs(e.deltaY) ? e.deltaX : e.shiftKey ? e.deltaY : 0;
    if (dx === 0) return;
    e.preventDefault();
    pan(dx / trackWidth);
  };

  // Pointer and click handlers sit once on the rows' container (bars and tracks carry none): a
  // scroll that mounts fresh rows adds no listeners. The track or bar is found from the target.
  const dragTrack = useRef<HTMLElement | null>(null);
  const startDrag = (e: PointerEvent) => {
    const el = e.target as HTMLElement;
    if (e.button !== 0 || !el.classList.contains("tl-track")) return;
    const row = rowOfNode.get(el.dataset.node ?? "");
    if (!row) return;
    el.setPointerCapture(e.pointerId);
    dragTrack.current = el;
    const rect = el.getBoundingClientRect();
    const t = Math.floor(timeAt(e.clientX - rect.left) / GRID) * GRID;
    setDrag({ pool: row.pool, node: row.node, from: t, to: t + GRID, rowTop: row.top });
  };
  const moveDrag = (e: PointerEvent) => {
    if (!drag || !dragTrack.current) return;
    const rect = dragTrack.current.getBoundingClientRect();
    const t = Math.round(timeAt(e.clientX - rect.left) / GRID) * GRID;
    setDrag({ ...drag, to: t === drag.from ? drag.from + GRID : t });
  };
  const endDrag = () => {
    if (!drag) return;
    setDrag(undefined);
    const start = Math.min(drag.from, drag.to);
    const end = Math.max(drag.from, drag.to);
    const free = freeGpus(drag.node, start, end);
    const q = new URLSearchParams({
      pool: drag.pool.name,
      nodes: "1",
      gpusPerNode: String(free > 0 ? free : drag.pool.gpusPerNode),
      start: isoUtc(Math.max(start, Math.floor(Date.now() / GRID) * GRID)),
      end: isoUtc(end),
    });
    navigate(`/book?${q}`);
  };

  const selectBar = (e: MouseEvent) => {
    const bar = (e.target as HTMLElement).closest<HTMLElement>(".tl-bar");
    const track = bar?.parentElement;
    const row = track && rowOfNode.get(track.dataset.node ?? "");
    const hit = row?.bars[Number(bar!.dataset.bar)];
    if (hit) setSelected(hit.hold);
  };

  return (
    <div class="timeline-page">
      <div class="toolbar">
        <h1>Timeline</h1>
        <fieldset class="group">
          <legend class="sr-only">Zoom</legend>
          {ZOOMS.map((z) => (
            <button
              key={z.label}
              type="button"
              class="secondary"
              aria-pressed={span === z.span}
              onClick={() => zoom(z.span)}
            >
              {z.label}
            </button>
          ))}
        </fieldset>
        <fieldset class="group">
          <legend class="sr-only">Move in time</legend>
          <button type="button" class="secondary" onClick={() => pan(-0.5)}>
            Earlier
          </button>
          <button
            type="button"
            class="secondary"
            onClick={() => setViewStart(Math.floor((Date.now() - span / 8) / GRID) * GRID)}
          >
            Now
          </button>
          <button type="button" class="secondary" onClick={() => pan(0.5)}>
            Later
          </button>
        </fieldset>
        <span class="help">
          {formatDay(viewStart)} – {formatDay(viewEnd - 1)} · {timeZoneName()} · drag across free time to book
        </span>
        <span id="tl-keys" class="sr-only">
          Left and right arrows move in time, plus and minus zoom; each booking is a button; the Book page is
          the keyboard way to book.
        </span>
      </div>
      <div class="toolbar">
        <Legend />
        <button type="button" class="secondary" aria-pressed={asList} onClick={() => setAsList((v) => !v)}>
          List view
        </button>
      </div>
      {asList && <HoldList pools={pools} occupancy={occupancy} from={viewStart} to={viewEnd} />}
      <Message outcome={error} />
      <section
        hidden={asList}
        class="timeline"
        aria-label="Timeline"
        aria-describedby="tl-keys"
        data-from={isoUtc(viewStart)}
        data-to={isoUtc(viewEnd)}
        onKeyDown={onKey}
      >
        <div
          class="tl-scroll"
          ref={scroller}
          onScroll={(e) =>
            setScrollTop(Math.floor((e.currentTarget as HTMLElement).scrollTop / SCROLL_STEP) * SCROLL_STEP)
          }
          onWheel={onWheel}
        >
          <Unchanged node={axis} />
          {/* biome-ignore lint/a11y/useKeyWithClickEvents: its clicks come from the bars, which are buttons (Enter and Space click them) */}
          {/* biome-ignore lint/a11y/noStaticElementInteractions: the handlers serve the bars and tracks inside (delegation); dragging has the Book page as its keyboard way */}
          <div
            class="tl-body"
            style={{ height: `${height}px` }}
            onClick={selectBar}
            onPointerDown={startDrag}
            onPointerMove={moveDrag}
            onPointerUp={endDrag}
            onPointerCancel={() => setDrag(undefined)}
          >
            <Unchanged node={grid} />
            <Rows
              rows={rows}
              first={first}
              last={last}
              inView={visibleRows(rows, scrollTop, scrollTop + SCROLL_STEP + size.height)}
              view={view}
              collapsed={collapsed}
              setCollapsed={setCollapsed}
              selectedId={selected?.reservation}
              drag={drag}
            />
          </div>
        </div>
      </section>
      {selected && (
        <section class="card tl-detail" aria-label="Selected booking">
          <h2>
            <bdi>{plain(selected.title) || "(untitled)"}</bdi>
          </h2>
          <p>
            Team {plain(selected.team)} · {selected.priority} · {selected.state} · {selected.gpus.length} GPUs
            ({selected.gpus.join(", ")}) · {formatStamp(Date.parse(selected.start))} –{" "}
            {formatStamp(Date.parse(selected.end))}
            {idleNote(selected)}
          </p>
          <p>
            <AppLink to="/reservations">Open the list</AppLink>{" "}
            <button type="button" class="link" onClick={() => setSelected(undefined)}>
              Close
            </button>
          </p>
        </section>
      )}
    </div>
  );
}

const LIST_MAX = 500;

/** The same bookings as a table (the screen-reader and keyboard view), those of the view's window. */
function HoldList(props: {
  pools: Pool[];
  occupancy: ReadonlyMap<string, NodeOccupancy[]>;
  from: number;
  to: number;
}) {
  const items = useMemo(() => {
    const byReservation = new Map<string, { pool: string; nodes: string[]; hold: Hold; gpus: number }>();
    for (const p of props.pools) {
      for (const n of props.occupancy.get(p.name) ?? []) {
        for (const h of n.holds) {
          if (Date.parse(h.end) <= props.from || Date.parse(h.start) >= props.to) continue;
          const seen = byReservation.get(h.reservation);
          if (seen) {
            seen.nodes.push(n.node);
            seen.gpus += h.gpus.length;
          } else
            byReservation.set(h.reservation, { pool: p.name, nodes: [n.node], hold: h, gpus: h.gpus.length });
        }
      }
    }
    return [...byReservation.values()].sort((a, b) => Date.parse(a.hold.start) - Date.parse(b.hold.start));
  }, [props.pools, props.occupancy, props.from, props.to]);
  return (
    <div>
      <p class="help">
        {items.length} booking{items.length === 1 ? "" : "s"} in this window
        {items.length > LIST_MAX ? `; the first ${LIST_MAX} by start are listed` : ""}.
      </p>
      <Table
        label="Bookings in view"
        columns={["Title", "Team", "Priority", "Pool", "Nodes", "GPUs", "When", "State"]}
      >
        {items.slice(0, LIST_MAX).map(({ pool, nodes, hold: h, gpus }) => (
          <tr key={h.reservation}>
            <td>
              <bdi>{plain(h.title) || "(untitled)"}</bdi>
            </td>
            <td>
              <bdi>{plain(h.team)}</bdi>
            </td>
            <td>
              <PriorityBadge priority={h.priority} />
            </td>
            <td>{plain(pool)}</td>
            <td>{nodes.map(plain).join(", ")}</td>
            <td>{gpus}</td>
            <td>{formatWindow(Date.parse(h.start), Date.parse(h.end))}</td>
            <td>
              {h.kind === "maintenance" ? "maintenance" : h.state}
              {idleNote(h)}
            </td>
          </tr>
        ))}
      </Table>
    </div>
  );
}

type NodeRowData = Extract<Row, { kind: "node" }>;

/**
 * The rows in range. Node rows already drawn on this scale and data stay as they are; new or
 * changed ones are drawn, the rows in view first, while this frame's budget lasts; the others keep
 * their label only and are drawn in the next frames (`more`), which re-render this part alone.
 */
function Rows(props: {
  rows: Row[];
  first: number;
  last: number;
  inView: [number, number];
  view: View;
  collapsed: ReadonlySet<string>;
  setCollapsed: (f: (c: Set<string>) => Set<string>) => void;
  selectedId: string | undefined;
  drag: Drag | undefined;
}) {
  const { rows, first, last, view, collapsed, setCollapsed, selectedId, drag } = props;
  const shown = useRef(new Map<string, Shown>());
  const [, setMore] = useState(0);
  const nowShown = new Map<string, Shown>();
  let more = false;
  {
    const [inFirst, inLast] = props.inView;
    const order: number[] = [];
    for (let i = Math.max(first, inFirst); i < Math.min(last, inLast); i++) order.push(i);
    for (let i = Math.min(inFirst, last) - 1; i >= first; i--) order.push(i);
    for (let i = Math.max(inLast, first); i < last; i++) order.push(i);
    for (const i of order) {
      const row = rows[i]!;
      if (row.kind !== "node") continue;
      const was = shown.current.get(row.node.node);
      if (was?.drawn && was.view === view && was.row.node === row.node && sameBars(was.row.bars, row.bars)) {
        nowShown.set(row.node.node, was.row === row ? was : { row, view, drawn: true });
        continue;
      }
      const cost = barsInView(row, view);
      if (spent > 0 && spent + cost > FRAME_BARS) {
        more = true;
        nowShown.set(row.node.node, { row, view, drawn: false });
        // A new row's label is drawn now: a small cost, counted so the timing stays true.
        if (!was) spend(1);
      } else {
        spend(cost);
        nowShown.set(row.node.node, { row, view, drawn: true });
      }
    }
  }
  shown.current = nowShown;
  useLayoutEffect(() => {
    if (!more) return;
    const id = requestAnimationFrame(() => {
      setMore((n) => n + 1);
    });
    return () => cancelAnimationFrame(id);
  });

  return (
    <>
      {rows.slice(first, last).map((row) =>
        row.kind === "pool" ? (
          <div
            key={`p-${row.pool.name}`}
            class="tl-pool"
            style={{ top: `${row.top}px`, height: `${row.height}px` }}
          >
            <button
              type="button"
              class="tl-pool-toggle"
              aria-expanded={!collapsed.has(row.pool.name)}
              onClick={() =>
                setCollapsed((c) => {
                  const next = new Set(c);
                  if (next.has(row.pool.name)) next.delete(row.pool.name);
                  else next.add(row.pool.name);
                  return next;
                })
              }
            >
              <span aria-hidden="true">{collapsed.has(row.pool.name) ? "▸" : "▾"}</span>{" "}
              {plain(row.pool.name)}
            </button>
            <span class="sub">
              {row.nodeCount} × {row.pool.gpusPerNode} GPUs · {plain(row.pool.product)}
            </span>
          </div>
        ) : (
          <NodeRow
            key={`n-${row.node.node}`}
            shown={nowShown.get(row.node.node)!}
            selectedId={selectedId}
            drag={drag && drag.node.node === row.node.node ? drag : undefined}
          />
        ),
      )}
    </>
  );
}

/** Renders `node`, skipping the diff while it is the same (memoised) element. */
class Unchanged extends Component<{ node: VNode }> {
  override shouldComponentUpdate(next: { node: VNode }): boolean {
    return next.node !== this.props.node;
  }

  override render() {
    return this.props.node;
  }
}

interface NodeRowProps {
  shown: Shown;
  selectedId: string | undefined;
  drag: Drag | undefined;
}

/** One node's row; re-rendered only when its data, the scale, the selection or its drag change. */
class NodeRow extends Component<NodeRowProps> {
  override shouldComponentUpdate(next: NodeRowProps): boolean {
    const p = this.props;
    return (
      p.shown.row !== next.shown.row ||
      p.shown.view !== next.shown.view ||
      p.shown.drawn !== next.shown.drawn ||
      p.drag !== next.drag ||
      (p.selectedId !== next.selectedId &&
        next.shown.row.bars.some(
          (b) => b.hold.reservation === p.selectedId || b.hold.reservation === next.selectedId,
        ))
    );
  }

  override render() {
    const { shown, selectedId, drag } = this.props;
    const { row, drawn } = shown;
    const { viewStart, span, trackWidth, labelWidth } = shown.view;
    const viewEnd = viewStart + span;
    const x = (t: number) => ((t - viewStart) / span) * trackWidth;
    return (
      <div
        class={`tl-row${row.node.up ? "" : " down"}`}
        style={{ top: `${row.top}px`, height: `${row.height}px` }}
      >
        <div class="tl-label" style={{ width: `${labelWidth}px` }}>
          {plain(row.node.node)}{" "}
          <span class="sub">
            {row.node.gpus} GPUs{row.node.up ? "" : " · down"}
          </span>
        </div>
        <div class="tl-track" data-node={row.node.node} style={`left:${labelWidth}px;width:${trackWidth}px`}>
          {row.bars.map((b, i) =>
            drawn && b.end > viewStart && b.start < viewEnd ? (
              <BarButton
                key={`${b.hold.reservation}-${b.lane}`}
                bar={b}
                index={i}
                left={Math.max(0, x(b.start))}
                right={Math.min(trackWidth, x(b.end))}
                selected={selectedId === b.hold.reservation}
              />
            ) : null,
          )}
          {drag && (
            <div
              class="tl-selection"
              style={{
                left: `${x(Math.min(drag.from, drag.to))}px`,
                width: `${Math.abs(x(drag.to) - x(drag.from))}px`,
              }}
            >
              <span class="tl-selection-label">
                {formatClock(Math.min(drag.from, drag.to))}–{formatClock(Math.max(drag.from, drag.to))}
              </span>
            </div>
          )}
        </div>
      </div>
    );
  }
}

/**
 * One bar: a button with one text node and one style string (fewer DOM operations per bar mounted
 * while scrolling); its name is in `aria-label`, so the visible text, priority mark included, is
 * not read twice. Clicks reach the rows' container (`selectBar`), which finds it by `data-bar`.
 */
function BarButton(props: { bar: Bar; index: number; left: number; right: number; selected: boolean }) {
  const { bar, left, right } = props;
  const h = bar.hold;
  const width = Math.max(3, right - left);
  const kind = h.kind === "maintenance" ? "maintenance" : `prio-${h.priority}`;
  const idle = h.state === "active" && h.runningGpus === 0;
  const name = holdName(h);
  return (
    <button
      type="button"
      class={`tl-bar ${kind} st-${h.state}${idle ? " idle" : ""}${props.selected ? " selected" : ""}`}
      style={`left:${left}px;width:${width}px;top:${bar.lane * LANE_HEIGHT + 3}px`}
      data-bar={props.index}
      aria-label={bar.repeat ? undefined : name}
      aria-hidden={bar.repeat ? true : undefined}
      tabIndex={bar.repeat ? -1 : undefined}
      title={name}
    >
      {width > 24
        ? `${PRIORITY_MARK[h.priority]} ${plain(h.title) || "untitled"} · ${plain(h.team)}${idle ? " · idle" : ""}`
        : null}
    </button>
  );
}

function Legend() {
  return (
    <ul class="legend" aria-label="Priorities">
      {(["critical", "high", "normal", "low", "best-effort"] as const).map((p) => (
        <li key={p}>
          <span class={`swatch prio-${p}`} aria-hidden="true">
            {PRIORITY_MARK[p]}
          </span>{" "}
          {p}
        </li>
      ))}
      <li>
        <span class="swatch maintenance" aria-hidden="true" /> maintenance
      </li>
    </ul>
  );
}
