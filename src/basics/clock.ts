// The clock is passed in, never read where it is needed, so the core, the services and the tests
// all decide on the same `now` (tests fix it; the core takes it as an argument).
import type { Millis } from "../core/types.ts";

export interface Clock {
  now(): Millis;
}

export const systemClock: Clock = { now: () => Date.now() };
