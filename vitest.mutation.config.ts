import { defineConfig } from "vitest/config";
import { sharedTestOptions } from "./vitest.shared.js";

/**
 * The tests `pnpm mutation` runs against each mutant: core's own, and the cross-package
 * security and integration suites (real apps on both adapters). Not the CLI, emulator,
 * browser or README suites: they run the code in child processes, where StrykerJS sees no
 * coverage, so they could never kill a mutant.
 *
 * `isolate: false` reuses one module graph across test files and mutant runs: StrykerJS
 * switches mutants at run time, so nothing needs re-importing, and a run over the suites takes
 * 9 s instead of 26 s (most of it was importing Express, Koa, the emulator and openid-client
 * again for every file).
 */
const mutationOptions = { ...sharedTestOptions, isolate: false } as const;

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...mutationOptions,
          name: "core",
          root: "packages/core",
          include: ["test/**/*.test.ts"],
        },
      },
      {
        test: {
          ...mutationOptions,
          name: "suites",
          root: "test",
          include: ["security/**/*.test.ts", "integration/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
