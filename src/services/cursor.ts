// Opaque list cursors: the last row's `seq` (a bigserial), base64url-encoded so clients treat it as
// a token and not a number to do arithmetic on.
import { invalid } from "../basics/domain-error.ts";

export function encodeCursor(seq: string): string {
  return Buffer.from(`s:${seq}`).toString("base64url");
}

export function decodeCursor(cursor: string): string {
  const m = /^s:(\d{1,18})$/.exec(Buffer.from(cursor, "base64url").toString());
  if (!m) throw invalid([{ field: "cursor", message: "not a cursor this API returned" }]);
  return m[1]!;
}
