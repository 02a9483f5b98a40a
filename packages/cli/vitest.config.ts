import { defineProject } from "vitest/config";
import { sharedTestOptions } from "../../vitest.shared.js";

export default defineProject({
  // Tests run the real binary (tsx start-up ≈ 0.5 s per run), several per test.
  test: {
    ...sharedTestOptions,
    name: "cli",
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
