// An event's data as clients receive it (the stream and webhooks alike): as stored, plus for a
// displacement the reason in words (`reasonText`, src/core/displacement-wording.ts), so every
// displacement path (a stronger booking, maintenance, node loss) says why in the words the API's
// reservations and the web UI use.
import { displacementText } from "../../core/displacement-wording.ts";

export function eventPayload(type: string, data: Record<string, unknown>): Record<string, unknown> {
  if (type !== "reservation.displaced" || typeof data.reason !== "string" || "reasonText" in data)
    return data;
  return { ...data, reasonText: displacementText(data.reason) };
}
