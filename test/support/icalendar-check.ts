// A strict reader of iCalendar text (RFC 5545), written for the tests: it refuses what a calendar
// application may refuse (bare LF, lines over 75 octets, unbalanced BEGIN/END, a VEVENT without its
// required properties, times not in UTC) and returns the events with their TEXT values unescaped.

export interface ParsedEvent {
  readonly props: Map<string, string>;
}

export interface ParsedCalendar {
  readonly props: Map<string, string>;
  readonly events: ParsedEvent[];
}

const encoder = new TextEncoder();
const UTC_TIME = /^\d{8}T\d{6}Z$/;

export function unescapeText(v: string): string {
  return v.replace(/\\([\\;,nN])/g, (_m, c: string) => (c === "n" || c === "N" ? "\n" : c));
}

export function parseICalendar(text: string): ParsedCalendar {
  if (!text.endsWith("\r\n")) throw new Error("the last line must end with CRLF");
  if (/(^|[^\r])\n/.test(text)) throw new Error("a line ends with a bare LF");
  const physical = text.slice(0, -2).split("\r\n");
  for (const [i, l] of physical.entries()) {
    const octets = encoder.encode(l).length;
    if (octets > 75) throw new Error(`line ${i + 1} has ${octets} octets (at most 75)`);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(l))
      throw new Error(`line ${i + 1} holds a control character`);
  }
  // Unfold: a line starting with a space or tab continues the previous one.
  const lines: string[] = [];
  for (const l of physical) {
    if (l.startsWith(" ") || l.startsWith("\t")) {
      if (lines.length === 0) throw new Error("a continuation line cannot come first");
      lines[lines.length - 1] += l.slice(1);
    } else lines.push(l);
  }
  const stack: string[] = [];
  const calendar = { props: new Map<string, string>(), events: [] as ParsedEvent[] };
  let event: Map<string, string> | null = null;
  for (const l of lines) {
    const colon = l.indexOf(":");
    if (colon <= 0) throw new Error(`not a content line: ${l}`);
    const name = l.slice(0, colon).split(";")[0]!.toUpperCase();
    const value = l.slice(colon + 1);
    if (!/^[A-Z0-9-]+$/.test(name)) throw new Error(`bad property name: ${name}`);
    if (name === "BEGIN") {
      stack.push(value);
      if (value === "VEVENT") event = new Map();
      continue;
    }
    if (name === "END") {
      if (stack.pop() !== value) throw new Error(`END:${value} does not close what was opened`);
      if (value === "VEVENT") {
        for (const p of ["UID", "DTSTAMP", "DTSTART"])
          if (!event!.has(p)) throw new Error(`a VEVENT lacks ${p}`);
        for (const p of ["DTSTAMP", "DTSTART", "DTEND"])
          if (event!.has(p) && !UTC_TIME.test(event!.get(p)!)) throw new Error(`${p} is not a UTC time`);
        calendar.events.push({ props: event! });
        event = null;
      }
      continue;
    }
    const target = event ?? calendar.props;
    if (target.has(name)) throw new Error(`${name} appears twice in one component`);
    target.set(name, value);
  }
  if (stack.length > 0) throw new Error(`unclosed ${stack.join(", ")}`);
  for (const p of ["VERSION", "PRODID"]) if (!calendar.props.has(p)) throw new Error(`VCALENDAR lacks ${p}`);
  return calendar;
}

/** `20261201T200000Z` -> epoch ms. */
export function icalUtc(v: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(v);
  if (!m) throw new Error(`not a UTC time: ${v}`);
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}
