// The pure scheduling core: everything here takes `now` and data, and returns values.

export * from "./admission-queue.ts";
export * from "./alternative.ts";
export * from "./booking.ts";
export * from "./booking-displacement.ts";
export * from "./booking-rules.ts";
export * from "./booking-validation.ts";
export * from "./capacity.ts";
export * from "./cycle-state.ts";
export * from "./extension-conflict.ts";
export * from "./free-windows.ts";
export * from "./gpu-hours.ts";
export * from "./gpu-mask.ts";
export * from "./intervals.ts";
export * from "./iso-week.ts";
export * from "./job-placement.ts";
export * from "./job-usage.ts";
export * from "./natural-order.ts";
export * from "./node-loss.ts";
export * from "./placement.ts";
export * from "./plan.ts";
export * from "./preemption.ts";
export * from "./quota.ts";
export * from "./reservation-jobs.ts";
export * from "./series.ts";
export * from "./snapshot.ts";
export * from "./types.ts";
