// What schemathesis' run finds in the server before it starts: a team, reservations, a job, models
// (one promoted) with an A/B check, a token and a calendar token, and the times and ids its configuration
// (test/schemathesis/schemathesis.toml) reads from the environment, so path parameters name real
// objects and the fields no schema can pin down (a future window on the booking grid, a pool or
// node that exists) hold values the server accepts. The rest of each request is generated.
import { apiRequest } from "../support/api-request.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function created(url: string, token: string, path: string, body: unknown): Promise<string> {
  const r = await apiRequest(url, token, path, { method: "POST", body });
  const answer = (await r.json()) as { id?: string };
  if (r.status >= 300 || typeof answer.id !== "string")
    throw new Error(`seeding ${path} answered ${r.status}: ${JSON.stringify(answer)}`);
  return answer.id;
}

/** Seeds the server at `url` as admin `token`; returns the environment schemathesis runs with. */
export async function seedForSchemathesis(url: string, token: string): Promise<Record<string, string>> {
  const iso = (t: number) => new Date(t).toISOString();
  // Tomorrow 00:00 UTC: on every grid, inside the horizon, outside the freeze.
  const day = Math.ceil(Date.now() / DAY) * DAY + DAY;
  const team = await apiRequest(url, token, "/teams", { method: "POST", body: { name: "vision" } });
  if (team.status !== 201) throw new Error(`seeding /teams answered ${team.status}`);
  const booking = (start: number, title: string) => ({
    pool: "V100",
    nodes: 1,
    gpusPerNode: 1,
    start: iso(start),
    end: iso(start + 2 * HOUR),
    priority: "normal",
    team: "vision",
    title,
  });
  const reservation = await created(
    url,
    token,
    "/reservations",
    booking(day + 8 * HOUR, "read and extended"),
  );
  const cancelled = await created(url, token, "/reservations", booking(day + 12 * HOUR, "cancelled"));
  const job = await created(url, token, "/jobs", {
    kind: "external",
    pool: "T4",
    gpus: 1,
    team: "vision",
    spec: { image: "busybox:1.36" },
  });
  const model = (version: string) => ({
    team: "vision",
    name: "seeded-detector",
    version,
    artifacts: { fp32: `runs/${version}/best.onnx`, fp16: `runs/${version}/best-fp16.onnx` },
  });
  const candidate = await created(url, token, "/models", model("1"));
  const promoted = await created(url, token, "/models", model("2"));
  const promote = await apiRequest(url, token, `/models/${promoted}/promote`, {
    method: "POST",
    body: { precision: "fp32" },
  });
  if (promote.status !== 200) throw new Error(`seeding a promotion answered ${promote.status}`);
  const check = await created(url, token, `/models/${candidate}/abchecks`, { data: "datasets/coco-val" });
  const member = await created(url, token, "/tokens", { team: "vision", role: "member", name: "revoked" });
  const calendar = await created(url, token, "/teams/vision/calendar-tokens", { name: "revoked" });
  return {
    BERTH_ST_URL: url,
    BERTH_ST_ADMIN: token,
    BERTH_ST_START: iso(day),
    BERTH_ST_END: iso(day + 2 * HOUR),
    BERTH_ST_UNTIL: iso(day + 3 * DAY),
    BERTH_ST_FROM: iso(day),
    BERTH_ST_TO: iso(day + DAY),
    BERTH_ST_RESERVATION: reservation,
    BERTH_ST_RESERVATION_END: iso(day + 11 * HOUR),
    BERTH_ST_CANCELLED: cancelled,
    BERTH_ST_JOB: job,
    BERTH_ST_MODEL: candidate,
    BERTH_ST_PROMOTED_MODEL: promoted,
    BERTH_ST_ABCHECK: check,
    BERTH_ST_TOKEN: member,
    BERTH_ST_CALENDAR_TOKEN: calendar,
  };
}
