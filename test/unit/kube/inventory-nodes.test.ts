// The inventory from the nodes (docs/rules.md §5): a GPU node that stops being Ready is lost only
// after BERTH_NODE_NOT_READY_SECONDS (a kubelet missing a heartbeat moves nothing; cordoning counts
// at once), and a node whose allocatable GPUs drop keeps its pool's shape (only its own upper
// ordinals are lost).
import type { V1Node } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { inventoryFromNodes, isNodeUp, nextNodeLossAt } from "../../../src/adapters/kube/inventory.ts";

const NOW = Date.parse("2026-12-05T08:00:00Z");
const debounce = { now: NOW, notReadyMs: 60_000 };

function node(ready: "True" | "False" | "Unknown", since: number, unschedulable = false): V1Node {
  return {
    metadata: {
      name: "t4-0",
      labels: { "nvidia.com/gpu.product": "Tesla-T4", "berth.dev/pool": "t4" },
    },
    spec: unschedulable ? { unschedulable: true } : {},
    status: {
      allocatable: { "nvidia.com/gpu": "4" },
      conditions: [{ type: "Ready", status: ready, lastTransitionTime: new Date(since) }],
    },
  };
}

describe("a node that is not Ready", () => {
  it("stays up until the debounce has passed, then is lost", () => {
    expect(isNodeUp(node("False", NOW - 59_000), debounce)).toBe(true);
    expect(isNodeUp(node("Unknown", NOW - 60_000), debounce)).toBe(false);
    expect(inventoryFromNodes([node("False", NOW - 10_000)], debounce).nodes[0]?.up).toBe(true);
  });

  it("is lost at once without a debounce, and a cordoned node is lost at once with one", () => {
    expect(isNodeUp(node("False", NOW))).toBe(false);
    expect(isNodeUp(node("True", NOW - 3_600_000, true), debounce)).toBe(false);
    expect(isNodeUp(node("True", NOW - 3_600_000), debounce)).toBe(true);
  });

  it("tells the watch when to look again: when the first debounce runs out", () => {
    expect(nextNodeLossAt([node("False", NOW - 10_000), node("True", NOW)], debounce)).toBe(NOW + 50_000);
    expect(nextNodeLossAt([node("False", NOW - 60_000)], debounce)).toBeUndefined();
    expect(nextNodeLossAt([node("True", NOW)], debounce)).toBeUndefined();
  });
});

describe("a node whose allocatable GPUs drop", () => {
  const t4 = (name: string, gpus: string): V1Node => ({
    metadata: { name, labels: { "nvidia.com/gpu.product": "Tesla-T4", "berth.dev/pool": "t4" } },
    status: {
      allocatable: { "nvidia.com/gpu": gpus },
      conditions: [{ type: "Ready", status: "True", lastTransitionTime: new Date(NOW - 3_600_000) }],
    },
  });

  it("keeps its GPUs as the node's own, and the pool's shape as its other nodes'", () => {
    const inv = inventoryFromNodes([t4("t4-0", "2"), t4("t4-1", "4")], debounce);
    expect(inv.pools.map((p) => [p.name, p.gpusPerNode])).toEqual([["t4", 4]]);
    expect(inv.nodes).toEqual([
      { name: "t4-0", pool: "t4", gpus: 2, up: true },
      { name: "t4-1", pool: "t4", gpus: 4, up: true },
    ]);
  });
});
