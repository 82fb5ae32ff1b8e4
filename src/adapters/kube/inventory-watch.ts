// The inventory as it changes: a watch on the GPU nodes (watch-stream.ts) that yields a new
// Inventory whenever what the core books against changes (a node lost, cordoned, added, resized),
// and stays quiet through the status heartbeats that change nothing for it.
import { CoreV1Api, type KubeConfig, type V1Node } from "@kubernetes/client-node";
import type { Inventory } from "../../core/types.ts";
import { inventoryFromNodes } from "./inventory.ts";
import { GFD_PRODUCT } from "./labels.ts";
import { watchStream } from "./watch-stream.ts";

export interface InventoryWatchOptions {
  readonly kubeconfig: KubeConfig;
  readonly signal: AbortSignal;
  readonly onError?: (err: Error) => void;
}

export async function* watchInventory(o: InventoryWatchOptions): AsyncGenerator<Inventory> {
  const core = o.kubeconfig.makeApiClient(CoreV1Api);
  const nodes = new Map<string, V1Node>();
  let last = "";
  for await (const ev of watchStream<V1Node>({
    config: o.kubeconfig,
    path: "/api/v1/nodes",
    labelSelector: GFD_PRODUCT,
    list: () => core.listNode({ labelSelector: GFD_PRODUCT }),
    signal: o.signal,
  })) {
    if (ev.type === "error") {
      o.onError?.(ev.error);
      continue;
    }
    if (ev.type === "sync") {
      nodes.clear();
      for (const n of ev.objects) nodes.set(n.metadata?.name ?? "", n);
    } else if (ev.type === "deleted") nodes.delete(ev.object.metadata?.name ?? "");
    else nodes.set(ev.object.metadata?.name ?? "", ev.object);
    const inventory = inventoryFromNodes([...nodes.values()]);
    const text = JSON.stringify(inventory);
    if (text === last) continue;
    last = text;
    yield inventory;
  }
}
