// iCalendar (RFC 5545) text for a team's reservations: CRLF line ends, long lines folded at 75
// octets without splitting a UTF-8 character, TEXT values escaped, every time in UTC ("Z" form).
// Pure: the feed service passes the rows and the time of writing.

export interface CalendarEvent {
  readonly uid: string;
  readonly start: number;
  readonly end: number;
  readonly summary: string;
  readonly description: string;
  readonly cancelled: boolean;
}

/** `20261201T200000Z`: the UTC DATE-TIME form (RFC 5545 §3.3.5, form #2). */
export function icalTime(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

// C0 controls (other than the newline, which is escaped), DEL, and bidi overrides/isolates: a title
// must not reorder or hide the text around it in someone's calendar.
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g;

/** A TEXT value (§3.3.11): backslash, semicolon, comma and newline escaped. */
export function icalText(s: string): string {
  return s
    .replace(/\r\n?/g, "\n")
    .replace(UNSAFE, "")
    .replace(/\\/g, "\\\\")
    .replace(/;/g, "\\;")
    .replace(/,/g, "\\,")
    .replace(/\n/g, "\\n");
}

const encoder = new TextEncoder();

/** One content line folded (§3.1): at most 75 octets a line, continuations start with a space. */
export function foldLine(line: string): string {
  if (encoder.encode(line).length <= 75) return line;
  const parts: string[] = [];
  let current = "";
  let octets = 0;
  let limit = 75;
  for (const ch of line) {
    const n = encoder.encode(ch).length;
    if (octets + n > limit) {
      parts.push(current);
      current = "";
      octets = 0;
      limit = 74; // the leading space of a continuation line counts
    }
    current += ch;
    octets += n;
  }
  parts.push(current);
  return parts.join("\r\n ");
}

export function icalendar(cal: { name: string; now: number; events: readonly CalendarEvent[] }): string {
  const lines = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Berth//GPU reservations//EN",
    "CALSCALE:GREGORIAN",
    "METHOD:PUBLISH",
    `X-WR-CALNAME:${icalText(cal.name)}`,
  ];
  const stamp = icalTime(cal.now);
  for (const e of cal.events) {
    lines.push(
      "BEGIN:VEVENT",
      `UID:${icalText(e.uid)}`,
      `DTSTAMP:${stamp}`,
      `DTSTART:${icalTime(e.start)}`,
      `DTEND:${icalTime(e.end)}`,
      `SUMMARY:${icalText(e.summary)}`,
      `DESCRIPTION:${icalText(e.description)}`,
      `STATUS:${e.cancelled ? "CANCELLED" : "CONFIRMED"}`,
      "TRANSP:OPAQUE",
      "END:VEVENT",
    );
  }
  lines.push("END:VCALENDAR");
  return `${lines.map(foldLine).join("\r\n")}\r\n`;
}
