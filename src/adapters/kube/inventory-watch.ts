// The inventory as it changes: a watch on the GPU nodes (watch-stream.ts) that yields a new
// Inventory whenever what the core books against changes (a node lost, cordoned, added, resized),
// and stays quiet through the status heartbeats that change nothing for it. A node that stops being
// Ready is lost only once `notReadyMs` has passed (inventory.ts): the watch looks again then, since
// no event may come to wake it.
import { CoreV1Api, type KubeConfig, type V1Node } from "@kubernetes/client-node";
import type { Inventory, Millis } from "../../core/types.ts";
import { inventoryFromNodes, nextNodeLossAt } from "./inventory.ts";
import { GFD_PRODUCT } from "./labels.ts";
import { type WatchEvent, watchStream } from "./watch-stream.ts";

export interface InventoryWatchOptions {
  readonly kubeconfig: KubeConfig;
  readonly signal: AbortSignal;
  readonly onError?: (err: Error) => void;
  /** How long a node may be not Ready before it counts as lost (default 0: at once). */
  readonly notReadyMs?: Millis;
  readonly now?: () => Millis;
}

export async function* watchInventory(o: InventoryWatchOptions): AsyncGenerator<Inventory> {
  const core = o.kubeconfig.makeApiClient(CoreV1Api);
  const now = o.now ?? Date.now;
  const notReadyMs = o.notReadyMs ?? 0;
  const nodes = new Map<string, V1Node>();
  let last = "";
  const events = watchStream<V1Node>({
    config: o.kubeconfig,
    path: "/api/v1/nodes",
    labelSelector: GFD_PRODUCT,
    list: () => core.listNode({ labelSelector: GFD_PRODUCT }),
    signal: o.signal,
  });
  let next = events.next();
  for (;;) {
    const lossAt = nextNodeLossAt(nodes.values(), { now: now(), notReadyMs });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const got: IteratorResult<WatchEvent<V1Node>> | "look-again" = await Promise.race([
      next,
      ...(lossAt === undefined
        ? []
        : [
            new Promise<"look-again">(
              (r) => (timer = setTimeout(() => r("look-again"), lossAt - now() + 10)),
            ),
          ]),
    ]);
    if (timer) clearTimeout(timer);
    if (got !== "look-again") {
      if (got.done) return;
      next = events.next();
      const ev = got.value;
      if (ev.type === "error") {
        o.onError?.(ev.error);
        continue;
      }
      if (ev.type === "sync") {
        nodes.clear();
        for (const n of ev.objects) nodes.set(n.metadata?.name ?? "", n);
      } else if (ev.type === "deleted") nodes.delete(ev.object.metadata?.name ?? "");
      else nodes.set(ev.object.metadata?.name ?? "", ev.object);
    }
    const inventory = inventoryFromNodes([...nodes.values()], { now: now(), notReadyMs });
    const text = JSON.stringify(inventory);
    if (text === last) continue;
    last = text;
    yield inventory;
  }
}
