// Readiness: this replica serves the API once its database answers.
import { databaseAnswers } from "../adapters/db/health.ts";
import type { ServiceContext } from "./context.ts";

export function isReady(ctx: ServiceContext): Promise<boolean> {
  return databaseAnswers(ctx.db);
}
