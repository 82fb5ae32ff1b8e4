// The pure scheduling core: everything here takes `now` and data, and returns values.
export * from "./booking.ts";
export * from "./booking-displacement.ts";
export * from "./booking-rules.ts";
export * from "./booking-validation.ts";
export * from "./capacity.ts";
export * from "./free-windows.ts";
export * from "./gpu-mask.ts";
export * from "./intervals.ts";
export * from "./iso-week.ts";
export * from "./natural-order.ts";
export * from "./placement.ts";
export * from "./quota.ts";
export * from "./types.ts";
