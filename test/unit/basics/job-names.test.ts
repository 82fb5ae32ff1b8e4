// Every Job's name and labels come from one module: deterministic per (job, attempt), a DNS-1123
// label even for long or odd ids, and distinct for distinct ids.
import { describe, expect, it } from "vitest";
import { runJobName, runLabels } from "../../../src/basics/job-names.ts";

describe("job names and labels", () => {
  it("names a run by its job and attempt", () => {
    expect(runJobName("j-42", 1)).toBe("berth-j-42-1");
    expect(runJobName("j-42", 2)).toBe("berth-j-42-2");
  });

  it.each([
    ["a long id", "a".repeat(80), `${"a".repeat(79)}b`],
    ["an id with capitals and dots", "Job.One", "Job.Two"],
  ])("keeps %s a stable DNS-1123 label, distinct from a near one", (_n, id, near) => {
    const name = runJobName(id, 3);
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    expect(name).toBe(runJobName(id, 3));
    expect(name).not.toBe(runJobName(near, 3));
    expect(name.endsWith("-3")).toBe(true);
  });

  it("labels a run with its reservation, or with the default queue", () => {
    const base = { job: "j-1", attempt: 1, team: "vision" };
    expect(runLabels({ ...base, reservation: "r-7" })).toEqual({
      "app.kubernetes.io/managed-by": "berth",
      "berth.dev/job": "j-1",
      "berth.dev/attempt": "1",
      "berth.dev/team": "vision",
      "berth.dev/reservation": "r-7",
    });
    expect(runLabels(base)["berth.dev/queue"]).toBe("default");
  });
});
