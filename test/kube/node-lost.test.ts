// A GPU node lost on the test cluster: Berth (the real `berth serve`) sees it down through its node
// watch and re-places the reservation that held it onto a healthy node. kwok plays every kubelet
// and sets a node's Ready condition back to True the moment a test writes False (tried: the patch
// is undone within a second), so the test takes the node out by cordoning it, which Berth treats
// exactly as NotReady (src/adapters/kube/inventory.ts, isNodeUp: down unless Ready and schedulable).
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, describe, expect, it } from "vitest";
import { waitFor } from "../cluster/wait.ts";
import { type Berth, listeningUrl, restClient, serveOnCluster, stopBerth } from "./support/berth-serve.ts";
import { useNamespace } from "./support/namespace.ts";

const GRID_MS = 15 * 60_000;
const ADMIN_TOKEN = `node-lost-admin-${randomBytes(12).toString("hex")}`;
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

describe("a GPU node that is lost", () => {
  const ns = useNamespace("node-lost");
  let dataDir = "";
  let berth: Berth | undefined;

  afterAll(async () => {
    await stopBerth(berth);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const cordon = (name: string, unschedulable: boolean | null) =>
    ns.core.patchNode({ name, body: { spec: { unschedulable } } }, mergePatch);

  it("re-places the reservation on it onto a healthy node", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "berth-node-lost-"));
    berth = serveOnCluster({ dataDir, adminToken: ADMIN_TOKEN, namespace: ns.name });
    const url = await listeningUrl(berth);
    const call = restClient(() => url, ADMIN_TOKEN);
    const team = `nr-${randomBytes(3).toString("hex")}`;
    expect((await call("POST", "/teams", { name: team })).status).toBe(201);
    const start = Math.floor(Date.now() / GRID_MS) * GRID_MS;
    const booked = await call("POST", "/reservations", {
      team,
      pool: "t4",
      nodes: 1,
      gpusPerNode: 4,
      start: new Date(start).toISOString(),
      end: new Date(start + 4 * GRID_MS).toISOString(),
      priority: "high",
    });
    expect(booked.status, JSON.stringify(booked.body)).toBe(201);
    const lost = booked.body.placement[0]!.node;
    await cordon(lost, true);
    try {
      const moved = await waitFor(
        "the reservation to leave the NotReady node",
        async () => {
          const r = (await call("GET", `/reservations/${booked.body.id}`)).body;
          return r.placement[0]!.node !== lost ? r : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      expect(moved.state).not.toBe("displaced");
      expect(moved.placement).toEqual([{ node: lost === "t4-0" ? "t4-1" : "t4-0", gpus: [0, 1, 2, 3] }]);
    } finally {
      await cordon(lost, null);
    }
  });
});
