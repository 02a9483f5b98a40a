import { defineConfig } from "vitest/config";
import { sharedTestOptions } from "./vitest.shared.js";

/**
 * The tests `pnpm mutation` runs against each mutant: core's own, and the cross-package
 * security and integration suites (real apps on both adapters). Not the CLI, emulator,
 * browser or README suites: they run the code in child processes, where StrykerJS sees no
 * coverage, so they could never kill a mutant.
 */
export default defineConfig({
  test: {
    projects: [
      "packages/core/vitest.config.ts",
      {
        test: {
          ...sharedTestOptions,
          name: "suites",
          root: "test",
          include: ["security/**/*.test.ts", "integration/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
