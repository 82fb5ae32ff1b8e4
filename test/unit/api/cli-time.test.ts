import { describe, expect, it } from "vitest";
import { parseTime } from "../../../src/cli/client.ts";

const NOW = Date.parse("2026-12-01T12:07:30.000Z");

describe("CLI time arguments", () => {
  it.each([
    ["now", "2026-12-01T12:00:00.000Z"],
    ["+30m", "2026-12-01T12:30:00.000Z"],
    ["+2h", "2026-12-01T14:00:00.000Z"],
    ["+1d", "2026-12-02T12:00:00.000Z"],
    ["2026-12-01T20:00:00Z", "2026-12-01T20:00:00.000Z"],
    ["2026-12-01T21:00:00+01:00", "2026-12-01T20:00:00.000Z"],
  ])("reads %s as %s (relative ones on the 15-minute grid)", (text, want) => {
    expect(parseTime(text, NOW)).toBe(want);
  });

  it("refuses text that is not a time", () => {
    expect(() => parseTime("tonight", NOW)).toThrow(/not a time/);
  });
});
