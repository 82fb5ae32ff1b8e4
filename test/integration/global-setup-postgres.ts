// Global setup of the `integration` project: one PostgreSQL for the run (or the one DATABASE_URL
// names); each test file creates its own database in it (test/support/database.ts).
import type { TestProject } from "vitest/node";
import { startPostgres } from "../support/postgres-server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject) {
  if (process.env.DATABASE_URL) {
    project.provide("postgresUrl", process.env.DATABASE_URL);
    return;
  }
  const server = await startPostgres();
  project.provide("postgresUrl", server.url);
  return () => server.stop();
}
