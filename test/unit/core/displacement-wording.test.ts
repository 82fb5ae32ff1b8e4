// One wording of why a booking was displaced: the stored codes of the three paths (a stronger
// booking, maintenance, node loss) read the same in the API's `reasonText`, its events and the web
// UI, which adds the displacer's team and title to the same words.
import { describe, expect, it } from "vitest";
import {
  displacedBookingText,
  displacementCause,
  displacementText,
  MAINTENANCE_REASON,
  NODE_LOST_REASON,
  priorityDisplacementReason,
} from "../../../src/core/displacement-wording.ts";
import { eventPayload } from "../../../src/services/notify/event-payload.ts";
import { displacementReason } from "../../../web/src/displacement.ts";

const PRIORITY = priorityDisplacementReason("r-9", "critical", "normal");

describe("displacement wording", () => {
  it("keeps the stored codes clients match", () => {
    expect(PRIORITY).toBe("displaced by r-9 (critical over normal)");
    expect(displacementCause(PRIORITY)).toBe("priority");
    expect(displacementCause(MAINTENANCE_REASON)).toBe("maintenance");
    expect(displacementCause(NODE_LOST_REASON)).toBe("node-lost");
    expect(displacementCause("cancelled by ana")).toBeUndefined();
  });

  it("words each path as one clause, the displacer's facts adding detail to the same words", () => {
    expect(displacementText(PRIORITY)).toBe("a critical booking took its slots (critical over normal)");
    expect(displacementText(PRIORITY, { priority: "critical", team: "vision", title: "YOLO" })).toBe(
      'a critical booking of team vision ("YOLO") took its slots (critical over normal)',
    );
    expect(displacementText(MAINTENANCE_REASON)).toBe("an admin scheduled maintenance of its node");
    expect(displacementText(MAINTENANCE_REASON, { kind: "maintenance", title: "firmware" })).toBe(
      'an admin scheduled maintenance of its node ("firmware")',
    );
    expect(displacementText(NODE_LOST_REASON)).toBe(
      "its node went out of service and no other node had room at that time",
    );
    expect(displacementText(undefined)).toBe("a higher-priority booking took its slots");
  });

  it("is what the API's events carry, once, and only for displacements", () => {
    for (const reason of [PRIORITY, MAINTENANCE_REASON, NODE_LOST_REASON]) {
      expect(eventPayload("reservation.displaced", { reservation: "r-1", reason })).toEqual({
        reservation: "r-1",
        reason,
        reasonText: displacementText(reason),
      });
    }
    const other = { job: "j-1", reason: "priority" };
    expect(eventPayload("job.preempted", other)).toBe(other);
  });

  it("is what the web UI shows, with the displacer's text made plain", () => {
    const by = {
      id: "r-9",
      priority: "critical",
      team: "vision",
      title: "YOLO\u202e",
      kind: "booking",
    } as Parameters<typeof displacementReason>[1];
    expect(displacementReason({ reason: PRIORITY }, by)).toBe(
      displacementText(PRIORITY, { priority: "critical", team: "vision", title: "YOLO" }),
    );
    expect(displacementReason({ reason: NODE_LOST_REASON }, undefined)).toBe(
      displacementText(NODE_LOST_REASON),
    );
    expect(displacedBookingText({ id: "r-2", title: "", team: "speech", priority: "normal" })).toBe(
      '"r-2" of team speech (normal)',
    );
  });
});
