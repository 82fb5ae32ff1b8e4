// The UI's pure parts: local time typed and shown across DST, lanes for overlapping holds, axis
// ticks on local hours, and bidi controls removed from titles.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plain } from "../../../web/src/text.ts";
import { formatStamp, parseLocalInput, toLocalInput } from "../../../web/src/time.ts";
import {
  axisTicks,
  buildRows,
  freeGpus,
  stackInLanes,
  visibleRows,
} from "../../../web/src/timeline/layout.ts";
import type { Hold } from "../../../web/src/types.ts";

const savedTz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = "Europe/Berlin";
});
afterAll(() => {
  process.env.TZ = savedTz;
});

const hold = (id: string, start: string, end: string, gpus: number[] = [0]): Hold => ({
  reservation: id,
  team: "t",
  priority: "normal",
  state: "confirmed",
  title: id,
  gpus,
  start,
  end,
});

describe("local time in Europe/Berlin", () => {
  it.each([
    ["winter: UTC+1", "2026-12-04T20:00", "2026-12-04T19:00:00.000Z"],
    ["summer: UTC+2", "2026-07-01T20:00", "2026-07-01T18:00:00.000Z"],
    ["the first 02:30 of the autumn change (CEST)", "2026-10-25T02:30", "2026-10-25T00:30:00.000Z"],
  ])("reads a typed time in %s", (_name, typed, utc) => {
    const parsed = parseLocalInput(typed);
    expect(parsed).toEqual({ ok: true, ms: Date.parse(utc) });
    expect(toLocalInput(Date.parse(utc))).toBe(typed);
  });

  it("refuses a wall-clock time the spring change skips, and malformed text", () => {
    expect(parseLocalInput("2026-03-29T02:30").ok).toBe(false);
    expect(parseLocalInput("2026-02-30T10:00").ok).toBe(false);
    expect(parseLocalInput("tonight").ok).toBe(false);
  });

  it("labels each local hour once on the 25-hour autumn day", () => {
    const from = Date.parse("2026-10-24T22:00:00.000Z"); // local midnight, 25 October
    const to = Date.parse("2026-10-25T23:00:00.000Z"); // local midnight, 26 October
    const ticks = axisTicks(from, to, 100, formatStamp);
    expect(ticks.filter((t) => t.label).length).toBe(26);
    expect(ticks.filter((t) => t.major).map((t) => t.label)).toEqual([
      "2026-10-25 00:00",
      "2026-10-26 00:00",
    ]);
  });
});

describe("timeline layout", () => {
  it("stacks overlapping holds in lanes and reuses a lane once free", () => {
    const { bars, lanes } = stackInLanes([
      hold("a", "2026-12-01T00:00:00Z", "2026-12-01T04:00:00Z"),
      hold("b", "2026-12-01T02:00:00Z", "2026-12-01T06:00:00Z"),
      hold("c", "2026-12-01T04:00:00Z", "2026-12-01T05:00:00Z"),
    ]);
    expect(lanes).toBe(2);
    expect(bars.map((b) => [b.hold.reservation, b.lane])).toEqual([
      ["a", 0],
      ["b", 1],
      ["c", 0],
    ]);
  });

  it("names a reservation over two nodes once: the second node's bar repeats it", () => {
    const pool = { name: "V100", product: "V100", computeCapability: "7.0", nodes: 2, gpusPerNode: 8 };
    const wide = hold("wide", "2026-12-01T00:00:00Z", "2026-12-01T04:00:00Z", [0, 1, 2, 3, 4, 5, 6, 7]);
    const nodes = ["V100-0", "V100-1"].map((node) => ({ node, gpus: 8, up: true, holds: [wide] }));
    const { rows } = buildRows([pool], new Map([["V100", nodes]]), new Set());
    const bars = rows.flatMap((r) => (r.kind === "node" ? r.bars : []));
    expect(bars.map((b) => b.repeat ?? false)).toEqual([false, true]);
    expect(buildRows([pool], new Map([["V100", nodes]]), new Set(["V100"])).rows.length).toBe(1);
  });

  it("counts a node's GPUs free for a whole window", () => {
    const node = {
      node: "V100-0",
      gpus: 8,
      up: true,
      holds: [hold("a", "2026-12-01T00:00:00Z", "2026-12-01T04:00:00Z", [0, 1, 2])],
    };
    expect(freeGpus(node, Date.parse("2026-12-01T03:00:00Z"), Date.parse("2026-12-01T05:00:00Z"))).toBe(5);
    expect(freeGpus(node, Date.parse("2026-12-01T04:00:00Z"), Date.parse("2026-12-01T05:00:00Z"))).toBe(8);
  });

  it("finds the rows a scroll position shows", () => {
    const rows = [0, 30, 60, 90].map((top) => ({ top, height: 30 }) as never);
    expect(visibleRows(rows, 35, 70)).toEqual([1, 3]);
    expect(visibleRows(rows, 200, 300)).toEqual([4, 4]);
  });
});

describe("titles as text", () => {
  it("removes bidi override and isolate controls and keeps the rest", () => {
    expect(plain("invoice\u202Egnp.exe\u2066x\u2069")).toBe("invoicegnp.exex");
    expect(plain("<b>bold</b>")).toBe("<b>bold</b>");
  });
});
