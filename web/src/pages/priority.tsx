// Priority shown by word and shape as well as colour (never colour alone).
import type { Priority } from "../types.ts";

export const PRIORITY_MARK: Record<Priority, string> = {
  critical: "▲▲",
  high: "▲",
  normal: "■",
  low: "▼",
  "best-effort": "○",
};

export function PriorityBadge({ priority }: { priority: Priority }) {
  return (
    <span class={`badge prio-${priority}`}>
      <span aria-hidden="true">{PRIORITY_MARK[priority]} </span>
      {priority}
    </span>
  );
}
