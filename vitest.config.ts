import { defineConfig } from "vitest/config";

// Integration and conformance tests start real kernel processes; run test files
// one at a time so two of them never fight over the machine's two cores.
export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ["default"],
  },
});
