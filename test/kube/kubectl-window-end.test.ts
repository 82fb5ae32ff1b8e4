// A kubectl user's Job at its reservation's end (docs/rules.md §1 and §5), on the real control plane
// with the real `berth serve`: a grace period before the window ends the run is signalled by
// suspending the user's own Job (its pod is deleted, with that grace to save its work), so its GPUs
// are free at the end; the job is requeued, not failed. The server books on a one-minute grid with a five-second grace so a whole window fits in
// a test (the rules are the operator's settings: README, BERTH_BOOKING_GRID_MINUTES).
import { beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../cluster/wait.ts";
import type { restClient } from "./support/berth-serve.ts";
import { useNamespace } from "./support/namespace.ts";
import { jobPods } from "./support/pods.ts";
import { useTeamBerth } from "./support/team-berth.ts";

const MINUTE = 60_000;
const GRACE_SECONDS = 5;

describe("a kubectl user's Job at its reservation's end", () => {
  const ns = useNamespace("kubectl-window-end");
  const { team, admin, client, asMember } = useTeamBerth({
    ns,
    prefix: "kubectl-window-end",
    env: {
      BERTH_TICK_SECONDS: "1",
      BERTH_BOOKING_GRID_MINUTES: "1",
      BERTH_BOOKING_MIN_MINUTES: "1",
      BERTH_DEFAULT_GRACE_SECONDS: String(GRACE_SECONDS),
    },
  });
  let asTeam: ReturnType<typeof restClient>;

  beforeAll(async () => {
    const token = await admin("POST", "/tokens", { team, role: "member", name: "kubectl user" });
    expect(token.status, JSON.stringify(token.body)).toBe(201);
    asTeam = client(token.body.token);
  });

  it("suspends the user's Job a grace period before the window ends, and requeues the job", async () => {
    // A window from now's grid step to at least a minute ahead.
    const start = Math.floor(Date.now() / MINUTE) * MINUTE;
    const end = start + 2 * MINUTE;
    const booked = await asTeam("POST", "/reservations", {
      team,
      pool: "v100",
      nodes: 1,
      gpusPerNode: 2,
      start: new Date(start).toISOString(),
      end: new Date(end).toISOString(),
      priority: "high",
      title: "until the window ends",
    });
    expect(booked.status, JSON.stringify(booked.body)).toBe(201);
    const reserved = booked.body.placement[0].node as string;

    // The run would take far longer than the window: only the window's end can stop it.
    const created = await asMember(
      ["create", "-f", "-"],
      JSON.stringify({
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: "long-run", labels: { "berth.dev/reservation": booked.body.id } },
        spec: {
          backoffLimit: 0,
          template: {
            metadata: { annotations: { "berth.dev/sim-duration": "3600" } },
            spec: {
              restartPolicy: "Never",
              containers: [
                {
                  name: "main",
                  image: "berth.invalid/train:1",
                  resources: { limits: { "nvidia.com/gpu": "2" } },
                },
              ],
            },
          },
        },
      }),
    );
    expect(created.stderr).toBe("");
    const first = await waitFor(
      "the Job's pod to be bound to the reserved node",
      async () => {
        const p = await jobPods(ns.core, ns.name, "long-run");
        return p[0]?.spec?.nodeName ? p[0] : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(first.spec?.nodeName).toBe(reserved);
    const jobs = await asTeam("GET", `/jobs?team=${team}`);
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
    const job = jobs.body.items.find((j: any) => j.kubernetes?.name === "long-run");
    expect(job).toMatchObject({ source: "kubectl", reservation: booked.body.id });

    // The stop reaches the pod with the grace period before the window's end (suspending the Job
    // deletes it, with that much time to save its work), not earlier; the job is requeued, never failed.
    await waitFor(
      "the run's pod to go at the window's end",
      async () => {
        const pods = await jobPods(ns.core, ns.name, "long-run");
        return !pods.some((p) => p.metadata?.uid === first.metadata?.uid);
      },
      { timeoutMs: end - Date.now() + 60_000, intervalMs: 250 },
    );
    expect(Date.now()).toBeGreaterThanOrEqual(end - GRACE_SECONDS * 1000 - 1_000);
    const after = await asTeam("GET", `/jobs/${job.id}`);
    expect(after.status).toBe(200);
    expect(["queued", "admitted", "running"]).toContain(after.body.state);

    // The audit names the stop: reason window-end, signalled a grace period before the end.
    const audit = await asTeam("GET", `/audit?team=${team}&job=${job.id}`);
    expect(audit.status).toBe(200);
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
    const signal = audit.body.items.find((e: any) => e.action === "signal" && e.reason === "window-end");
    expect(signal, JSON.stringify(audit.body.items)).toBeDefined();
    const instant = (v: string | number) => (typeof v === "number" ? v : Date.parse(v));
    expect(instant(signal.detail.stopAt)).toBe(end);
    expect(Date.parse(signal.at)).toBeGreaterThanOrEqual(end - GRACE_SECONDS * 1000 - 1_000);
  });
});
