import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { foldLine, icalendar, icalText } from "../../../src/services/calendars/icalendar.ts";
import { icalUtc, parseICalendar, unescapeText } from "../../support/icalendar-check.ts";

const T = Date.parse("2026-12-01T20:00:00.000Z");
// biome-ignore lint/suspicious/noControlCharactersInRegex: what the feed drops, to compare with
const DROPPED = /[\u0000-\u0009\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g;

describe("the iCalendar feed's text", () => {
  it("writes one VEVENT per reservation with UID, DTSTAMP and UTC times, escaped and folded", () => {
    const title = "YOLOv8-large; run, \\ night\nsecond line — 夜間の学習 ".repeat(3);
    const text = icalendar({
      name: "Berth: team vision",
      now: T - 3_600_000,
      events: [
        {
          uid: "r-1@berth",
          start: T,
          end: T + 10 * 3_600_000,
          summary: title,
          description: "d",
          cancelled: false,
        },
        { uid: "r-2@berth", start: T, end: T + 3_600_000, summary: "gone", description: "", cancelled: true },
      ],
    });
    const cal = parseICalendar(text);
    expect(cal.props.get("VERSION")).toBe("2.0");
    expect(cal.events).toHaveLength(2);
    const [first, second] = cal.events;
    expect(first!.props.get("UID")).toBe("r-1@berth");
    expect(first!.props.get("DTSTART")).toBe("20261201T200000Z");
    expect(icalUtc(first!.props.get("DTEND")!)).toBe(T + 10 * 3_600_000);
    expect(icalUtc(first!.props.get("DTSTAMP")!)).toBe(T - 3_600_000);
    expect(unescapeText(first!.props.get("SUMMARY")!)).toBe(title);
    expect(first!.props.get("STATUS")).toBe("CONFIRMED");
    expect(second!.props.get("STATUS")).toBe("CANCELLED");
    // The long summary really was folded.
    expect(text.split("\r\n").some((l) => l.startsWith(" "))).toBe(true);
  });

  it("keeps any title intact through escaping and folding, never splitting a character", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), (raw) => {
        const line = `SUMMARY:${icalText(raw)}`;
        const folded = foldLine(line);
        for (const l of folded.split("\r\n"))
          expect(new TextEncoder().encode(l).length).toBeLessThanOrEqual(75);
        expect(folded.replace(/\r\n /g, "")).toBe(line);
        const cal = parseICalendar(
          icalendar({
            name: "x",
            now: T,
            events: [{ uid: "u", start: T, end: T + 1000, summary: raw, description: "", cancelled: false }],
          }),
        );
        const expected = raw.replace(/\r\n?/g, "\n").replace(DROPPED, "");
        expect(unescapeText(cal.events[0]!.props.get("SUMMARY")!)).toBe(expected);
      }),
    );
  });

  it("drops control and bidi characters from text", () => {
    expect(icalText("a\u202eb\u0007c\r\nd")).toBe("abc\\nd");
  });
});
