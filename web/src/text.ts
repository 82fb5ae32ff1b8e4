// Text from other people (titles, team names, reasons) is rendered as text nodes, never as HTML.
// Bidirectional override and isolate controls could still make a title display as something else
// ("reversed" spoofing), so they are removed before display.
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;

export function plain(text: unknown): string {
  if (text === null || text === undefined) return "";
  return String(text).replace(BIDI_CONTROLS, "");
}
