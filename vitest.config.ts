import { defineConfig } from "vitest/config";

// Three projects: `unit` is the fast pure suite (core, builders, evaluator); `integration` needs
// real services (PostgreSQL, Chromium) that its global setup starts; `kube` (below) runs against a
// real Kubernetes control plane.
export default defineConfig({
  test: {
    // Under CI a JSON report is written too, so .ci/run can print one plain "N passed, N failed" line.
    reporters: process.env.CI ? ["default", ["json", { outputFile: ".berth/test-report.json" }]] : ["default"],
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
      // Kubernetes: one real control plane (etcd, apiserver, controller-manager, scheduler, kwok
      // GPU nodes) per run, started by the global setup or reused from `npm run cluster:up`; each
      // test file works in its own namespace. The first run on a machine builds the binaries.
      {
        test: {
          name: "kube",
          include: ["test/kube/**/*.test.ts"],
          globalSetup: ["test/kube/global-setup.ts"],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
