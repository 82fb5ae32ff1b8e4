// Every keyed POST that writes stores its answer in the write's own commit
// (src/services/idempotent-answers.ts): a real `berth serve` SIGKILLed after the commit and before
// the answer (BERTH_FAULT_KILL_BEFORE_ANSWER=1) is asked again with the same key after a restart,
// and answers the first write instead of writing twice; the same key with another body is a 422.
import { describe, expect, it } from "vitest";
import { apiRequest } from "../../support/api-request.ts";
import { type BerthProcess, startBerthProcess } from "../../support/berth-process.ts";
import { crashTestStorage } from "../../support/crash-storage.ts";
import { BACKENDS } from "../../support/database.ts";

const TOKEN = "idempotent-writes-admin-token-0123456789";
const DAY = 86_400_000;

function request(url: string, path: string, init: { method?: string; body?: unknown; key?: string } = {}) {
  return apiRequest(url, TOKEN, path, init);
}

async function items(url: string, path: string): Promise<{ id?: string; name?: string; team?: string }[]> {
  const r = await request(url, path);
  expect(r.status).toBe(200);
  return ((await r.json()) as { items: { id?: string; name?: string; team?: string }[] }).items;
}

interface Case {
  readonly what: string;
  /** A function where the path names what an earlier case created. */
  readonly path: string | (() => string);
  readonly body: unknown;
  readonly other: unknown;
  /** The status of the first answer, replayed to the retry. */
  readonly status: number;
  /** How many of what it creates exist, read back over the API. */
  readonly count: (url: string) => Promise<number>;
}

/** Ids the cases created, for the paths of later ones. */
const created: { model?: string } = {};

// A grid-aligned day ahead, free in every run.
const start = Math.ceil(Date.now() / DAY) * DAY + DAY;

const CASES: readonly Case[] = [
  {
    what: "a job",
    path: "/jobs",
    body: { kind: "external", pool: "T4", gpus: 1, team: "vision", spec: { image: "busybox:1.36" } },
    other: { kind: "external", pool: "T4", gpus: 2, team: "vision", spec: { image: "busybox:1.36" } },
    status: 201,
    count: async (url) => (await items(url, "/jobs?team=vision")).length,
  },
  {
    what: "a team",
    path: "/teams",
    body: { name: "speech" },
    other: { name: "speech2" },
    status: 201,
    count: async (url) => (await items(url, "/teams")).filter((t) => t.name?.startsWith("speech")).length,
  },
  {
    what: "a maintenance window",
    path: "/maintenance",
    body: {
      node: "P100-1",
      start: new Date(start).toISOString(),
      end: new Date(start + 2 * 3_600_000).toISOString(),
    },
    other: {
      node: "P100-1",
      start: new Date(start).toISOString(),
      end: new Date(start + 3 * 3_600_000).toISOString(),
    },
    status: 201,
    count: async (url) => (await items(url, "/reservations?team=berth-maintenance")).length,
  },
  {
    what: "a model version",
    path: "/models",
    body: {
      team: "vision",
      name: "detector",
      version: "1",
      artifacts: { fp32: "runs/1/best.onnx", fp16: "runs/1/best-fp16.onnx" },
    },
    other: { team: "vision", name: "detector", version: "2", artifacts: { fp32: "runs/2/best.onnx" } },
    status: 201,
    count: async (url) => (await items(url, "/models?team=vision")).length,
  },
  {
    what: "an A/B check with its validation job",
    path: () => `/models/${created.model}/abchecks`,
    body: { data: "datasets/coco-val" },
    other: { data: "datasets/coco-val-2" },
    status: 202,
    count: async (url) => (await items(url, `/abchecks?model=${created.model}`)).length,
  },
  {
    what: "a calendar token (its secret withheld from the replay)",
    path: "/teams/vision/calendar-tokens",
    body: { name: "wall" },
    other: { name: "wall-2" },
    status: 409,
    count: async (url) => (await items(url, "/teams/vision/calendar-tokens")).length,
  },
  {
    what: "a promotion",
    path: () => `/models/${created.model}/promote`,
    body: { precision: "fp32" },
    other: { precision: "fp32", batchSize: 2 },
    status: 200,
    count: async (url) =>
      (await items(url, "/audit?team=vision&limit=500")).filter(
        (a) => (a as { action?: string }).action === "model.promoted",
      ).length,
  },
  {
    what: "a webhook (its signing secret withheld from the replay)",
    path: "/webhooks",
    body: { team: "vision", url: "http://127.0.0.1:9/berth", events: ["job.failed"] },
    other: { team: "vision", url: "http://127.0.0.1:9/berth", events: ["job.queued"] },
    status: 409,
    count: async (url) => (await items(url, "/webhooks")).length,
  },
  {
    what: "a token (its secret withheld from the replay)",
    path: "/tokens",
    body: { team: "vision", role: "member", name: "ci" },
    other: { team: "vision", role: "member", name: "ci-2" },
    status: 409,
    count: async (url) => (await items(url, "/tokens")).filter((t) => t.name?.startsWith("ci")).length,
  },
];

function pathOf(c: Case): string {
  return typeof c.path === "string" ? c.path : c.path();
}

async function killedBeforeAnswer(berth: BerthProcess, c: Case, key: string) {
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    berth.child.once("exit", (_c, s) => resolve(s)),
  );
  const first = await request(berth.url, pathOf(c), { method: "POST", body: c.body, key }).then(
    (r) => r.status,
    () => "no answer" as const,
  );
  expect(first, c.what).toBe("no answer");
  expect(await exited, c.what).toBe("SIGKILL");
}

describe.each(BACKENDS)("kill -9 between a keyed write's commit and its answer on %s", (backend) => {
  // Ten starts of a real server (migrations on PGlite included): more than the default 120 s on a busy machine.
  it("answers each retry with the first write, writes nothing twice, and refuses the key for another body", {
    timeout: 300_000,
  }, async () => {
    const { env, cleanup } = await crashTestStorage(backend, "berth-idem-writes-", TOKEN);
    // The fault fires only on keyed POSTs answered 2xx: set-up without a key and replays pass.
    // The webhook's target: a closed port on loopback.
    const faulty = { ...env, BERTH_FAULT_KILL_BEFORE_ANSWER: "1", BERTH_WEBHOOK_ALLOW: "127.0.0.0/8" };
    let berth = await startBerthProcess(faulty);
    try {
      expect((await request(berth.url, "/teams", { method: "POST", body: { name: "vision" } })).status).toBe(
        201,
      );
      for (const [i, c] of CASES.entries()) {
        const key = `write-once-${i}`;
        await killedBeforeAnswer(berth, c, key);
        berth = await startBerthProcess(faulty);

        // A retry that writes again is answered 2xx, so the fault kills the server before answering.
        const retry = await request(berth.url, pathOf(c), { method: "POST", body: c.body, key }).catch(
          () => undefined,
        );
        if (!retry) expect.fail(`${c.what}: the retry wrote again instead of replaying the first answer`);
        expect(retry.status, c.what).toBe(c.status);
        expect(retry.headers.get("idempotent-replayed"), c.what).toBe("true");
        const answer = (await retry.json()) as { id?: string };
        if (c.status === 409) expect(answer.id, c.what).toMatch(/./);
        if (c.path === "/models") created.model = answer.id;
        expect(await c.count(berth.url), c.what).toBe(1);

        const reused = await request(berth.url, pathOf(c), { method: "POST", body: c.other, key });
        expect(reused.status, c.what).toBe(422);
        expect(reused.headers.get("content-type"), c.what).toMatch(/application\/problem\+json/);
        expect(await reused.json(), c.what).toMatchObject({
          type: "https://berth.dev/problems/idempotency-key-reused",
          status: 422,
          errors: [{ field: "Idempotency-Key", message: "already used with another request" }],
        });
        expect(await c.count(berth.url), c.what).toBe(1);
      }
    } finally {
      await berth.kill("SIGTERM");
      await cleanup();
    }
  });
});
