import { defineConfig } from "vitest/config";

export default defineConfig({
  // Node 20 has no native TC39 decorators: let esbuild lower them.
  esbuild: { target: "es2022" },
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts", "examples/**/*.test.ts"],
    globalSetup: ["test/setup/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    reporters: ["default"],
  },
});
