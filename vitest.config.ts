import { defineConfig } from "vitest/config";

// Two projects: `unit` is the fast pure suite (core, builders, evaluator); `integration` needs
// real services (PostgreSQL, the Kubernetes control plane, Chromium) that its global setup starts.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts", "test/e2e/**/*.test.ts"],
          // api: one throwaway PostgreSQL for the run (test/support/postgres-server.ts).
          globalSetup: ["test/integration/global-setup-postgres.ts"],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
