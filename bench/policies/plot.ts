// Line plots of one metric against offered load, a line per policy, rendered to SVG in Node.
// Vega-Lite (BSD-3) compiles a short declarative spec to Vega, whose headless view writes SVG with
// no native dependency (node-canvas is needed only for PNG): the plots are made by the benchmark
// itself, in one process, with nothing to install on the machine. Hand-written SVG was the
// alternative; axes, ticks and legends are what a charting library is for.
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

export interface Point {
  readonly load: number;
  readonly policy: string;
  readonly value: number;
}

export async function linePlot(title: string, yTitle: string, points: readonly Point[]): Promise<string> {
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    width: 360,
    height: 220,
    background: "white",
    data: { values: points.map((p) => ({ ...p, load: p.load * 100 })) },
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "load", type: "quantitative", title: "offered load (%)", scale: { zero: false } },
      y: { field: "value", type: "quantitative", title: yTitle },
      color: { field: "policy", type: "nominal", sort: ["berth", "fifo", "priority", "reserve-only"] },
      strokeDash: { field: "policy", type: "nominal", sort: ["berth", "fifo", "priority", "reserve-only"] },
    },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
