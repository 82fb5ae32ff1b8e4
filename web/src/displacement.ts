// Why a booking was displaced, as the UI shows it: the server's own wording
// (src/core/displacement-wording.ts), with the displacer's team and title, made plain.
import { displacementText } from "../../src/core/displacement-wording.ts";
import { plain } from "./text.ts";
import type { Reservation } from "./types.ts";

/** Why `r` was displaced, in the server's words, with who did it when `by` is known. */
export function displacementReason(r: { reason?: string }, by: Reservation | undefined): string {
  const facts = by && { priority: by.priority, team: plain(by.team), title: plain(by.title), kind: by.kind };
  return plain(displacementText(r.reason, facts));
}
